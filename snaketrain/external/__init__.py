"""External snakes: any Battlesnake served over HTTP, refereed by the reference engine."""
