import zlib

import pytest

from snaketrain.external.gameid import game_id


@pytest.mark.parametrize("seed", [0, 1, 7, 2**31, 2**32 - 1, 0xDEADBEEF, 123456789])
def test_the_crc_of_the_id_is_the_seed(seed):
    gid = game_id(seed)
    assert zlib.crc32(gid.encode("utf-8")) == seed
    assert gid.startswith(f"snaketrain-{seed}-") and gid.isascii()


def test_ids_of_different_seeds_differ():
    assert len({game_id(s) for s in range(200)}) == 200


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_a_seed_outside_32_bits_is_refused(seed):
    with pytest.raises(ValueError, match="32-bit"):
        game_id(seed)
