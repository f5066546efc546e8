"""The learning advisors: the LLM advisor (``llm``, its prompt ``llm_prompt`` and its answer's
parser ``llm_parse``). Nothing heavy is imported here: torch and transformers load only when
a model is asked for."""
