"""Worker job ``imports``: check or run the imports waiting on the page, one after another
(each claimed with a conditional UPDATE, so several workers share the queue safely)."""

from .actions import claim_next, drop_old_uploads, process, requeue_stale


def run_imports(limit=5):
    requeued = requeue_stale()
    n = 0
    while n < limit:
        job = claim_next()
        if job is None:
            break
        process(job)
        n += 1
    dropped = drop_old_uploads()
    return f"{n} imports" + (f", {requeued} requeued" if requeued else "") + (
        f", {dropped} old uploads removed" if dropped else "")
