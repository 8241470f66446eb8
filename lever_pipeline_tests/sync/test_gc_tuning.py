"""The GC tuning a stream sync runs under: the threshold is raised while any sync runs and restored once."""

import gc
import threading

from lever_pipeline.sync.gc_tuning import SYNC_GEN0_THRESHOLD, fewer_gc_pauses


def test_threshold_is_raised_inside_and_restored_after_the_last_user_leaves() -> None:
    before = gc.get_threshold()
    with fewer_gc_pauses():
        assert gc.get_threshold()[0] >= SYNC_GEN0_THRESHOLD
        with fewer_gc_pauses():
            pass
        assert gc.get_threshold()[0] >= SYNC_GEN0_THRESHOLD  # the outer sync still runs
    assert gc.get_threshold() == before


def test_concurrent_users_restore_the_original_once() -> None:
    before = gc.get_threshold()
    inside, release = threading.Barrier(3), threading.Event()

    def sync() -> None:
        with fewer_gc_pauses():
            inside.wait()
            release.wait(5)

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert gc.get_threshold()[0] >= SYNC_GEN0_THRESHOLD
    release.set()
    for t in threads:
        t.join()
    assert gc.get_threshold() == before
