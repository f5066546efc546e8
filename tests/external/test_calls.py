from snaketrain.external.calls import SnakeCalls, merge_calls


def test_quantiles_come_from_the_histogram():
    calls = SnakeCalls("x", ok=100, latency={10: 50, 20: 49, 500: 1})  # 1.0, 2.0, 50.0 ms
    assert calls.quantile_ms(0.5) == 1.0
    assert calls.quantile_ms(0.99) == 2.0
    assert calls.quantile_ms(1.0) == 50.0
    assert SnakeCalls("empty").quantile_ms(0.5) == 0.0


def test_calls_add_and_round_trip():
    a = SnakeCalls("x", ok=3, timeouts=1, latency={5: 3})
    b = SnakeCalls("x", ok=1, errors=2, invalid=1, restarts=1, replayed=2, latency={5: 1, 7: 1})
    total = merge_calls({"x": a}, {"x": b})["x"]
    assert (total.ok, total.timeouts, total.errors, total.invalid) == (4, 1, 2, 1)
    assert total.moves == 8 and total.failed == 4
    assert total.latency == {5: 4, 7: 1}
    assert SnakeCalls.from_dict(total.to_dict()) == total
    assert total.summary()["p50_ms"] == 0.5
