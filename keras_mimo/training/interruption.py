"""Ends `model.fit` at a safe point when SIGTERM or Ctrl-C arrives.

Python's default handlers raise `KeyboardInterrupt` wherever the main thread
happens to be: inside a finaliser (where it is swallowed and the signal is
lost), halfway through a checkpoint write, or deep in the backend's own
Python code (a later crash at exit). `StopOnSignal` only records the signal;
the fit loop then stops between two steps, the one place where nothing is
half-done. A second signal interrupts at once, as Python would.
"""

import signal
import threading

import keras

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TrainingInterrupted(Exception):
    """Raised between two steps after SIGTERM or SIGINT: the run should stop."""

    def __init__(self, signum: int):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


class StopOnSignal(keras.callbacks.Callback):
    """Turns SIGTERM/SIGINT into `TrainingInterrupted` after the current step.

    The handlers are installed for the length of `fit` (main thread only) and
    the previous ones are restored afterwards. Validation steps are safe
    points too, so a signal during a long validation does not wait for it.

    Example:

    >>> import signal
    >>> stop = StopOnSignal()
    >>> stop.on_train_begin()
    >>> handler = signal.getsignal(signal.SIGTERM)
    >>> handler(signal.SIGTERM, None)  # what SIGTERM now does: only record it
    <BLANKLINE>
    SIGTERM: stopping after this step (send it again to stop at once).
    >>> try:
    ...     stop.on_train_batch_end(0)
    ... except TrainingInterrupted as error:
    ...     print(error)
    stopped by SIGTERM
    >>> stop.on_train_end()
    """

    def __init__(self):
        super().__init__()
        self.signum = None
        self._previous = {}

    def _record(self, signum, frame):
        if self.signum is not None:  # the second signal: stop now
            raise KeyboardInterrupt
        self.signum = signum
        print(
            f"\n{signal.Signals(signum).name}: stopping after this step "
            "(send it again to stop at once).",
            flush=True,
        )

    def _stop_if_asked(self, batch=None, logs=None):
        if self.signum is not None:
            raise TrainingInterrupted(self.signum)

    def on_train_begin(self, logs=None):
        self.signum = None
        if threading.current_thread() is threading.main_thread():
            for number in SIGNALS:
                self._previous[number] = signal.signal(number, self._record)

    def on_train_end(self, logs=None):
        while self._previous:
            number, handler = self._previous.popitem()
            signal.signal(number, handler)

    on_train_batch_end = _stop_if_asked
    on_test_batch_end = _stop_if_asked
