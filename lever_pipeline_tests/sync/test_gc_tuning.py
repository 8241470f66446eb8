"""The GC tuning a stream sync runs under: the threshold is raised while any sync runs and restored once."""

import gc
import threading
import weakref

from lever_pipeline.sync.gc_tuning import SYNC_GEN0_THRESHOLD, GarbageSweeper, fewer_gc_pauses


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


def test_a_sync_freezes_what_exists_and_unfreezes_after() -> None:
    before = gc.get_freeze_count()
    with fewer_gc_pauses():
        assert gc.get_freeze_count() > before
    assert gc.get_freeze_count() == before


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_sweeper_collects_cycles_once_enough_bytes_or_requests_went_by() -> None:
    with fewer_gc_pauses():
        sweeper = GarbageSweeper(every_bytes=1000, every_requests=10)
        sweeper.tick(0, 0)
        ref = weakref.ref(_Cycle())
        sweeper.tick(999, 9)
        assert ref() is not None and sweeper.sweeps == 0  # not enough yet: left to the collector
        sweeper.tick(1000, 9)
        assert ref() is None and sweeper.sweeps == 1
        ref = weakref.ref(_Cycle())
        sweeper.tick(1001, 19)
        assert ref() is None and sweeper.sweeps == 2
