"""Data-parallel training: `keras.distribution` on JAX, MirroredStrategy on TF."""

import contextlib
import os


def request_virtual_cpu_devices(count: int, backend: str) -> None:
    """Splits the CPU into `count` devices (testing multi-device on one host).

    Must run before the backend framework is imported.
    """
    if count <= 1:
        return
    if backend == "jax":
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (
            f"{flags} --xla_force_host_platform_device_count={count}"
        )
    elif backend == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * count
        )


def distribution_scope(backend: str, enabled: bool):
    """Context in which to build and compile the model for data parallelism.

    JAX: `keras.distribution.DataParallel` over every local device (on a
    multi-host cluster call `keras.distribution.initialize()` first, which
    `fit.py --distribute` does when `JAX_COORDINATOR_ADDRESS` is set).
    TensorFlow: `tf.distribute.MirroredStrategy` over local GPUs, else CPUs.
    Returns `(scope, replicas)`.
    """
    if not enabled:
        return contextlib.nullcontext(), 1
    import keras

    if backend == "jax":
        if os.environ.get("JAX_COORDINATOR_ADDRESS"):
            keras.distribution.initialize()
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices)
        )
        return contextlib.nullcontext(), len(devices)
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        strategy = tf.distribute.MirroredStrategy(devices=devices)
        return strategy.scope(), strategy.num_replicas_in_sync
    raise ValueError(
        "--distribute supports the jax and tensorflow backends; for torch run "
        "one process per GPU (torchrun) or use jax/tensorflow."
    )
