"""tf.config's device functions on Kiln's devices (frontend/Device.h).

``kiln.config.set_device("gpu")`` makes every model compiled after it run
on the first GPU ("cpu", "gpu:N" and "auto" too; "" returns to the default,
KILN_DEVICE or else the CPU); fit, evaluate and predict are unchanged."""

from collections import namedtuple

from . import _kiln

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])
PhysicalDevice.__doc__ = "tf.config's PhysicalDevice: '/physical_device:GPU:0', 'GPU'."


def list_physical_devices(device_type=None):
    """The CPU, then each GPU the CUDA driver sees; `device_type` ("CPU" or
    "GPU") keeps those alone."""
    found = []
    for name, kind, _ in _kiln.devices():
        index = name.split(":")[1]
        found.append(PhysicalDevice(f"/physical_device:{kind.upper()}:{index}", kind.upper()))
    if device_type is None:
        return found
    return [d for d in found if d.device_type == str(device_type).upper()]


def describe_devices():
    """{name: description}: the CPU's LLVM name and cores, each GPU's name,
    chip, multiprocessors and memory."""
    return {name: text for name, _, text in _kiln.devices()}


def set_device(device):
    """Where models compiled from now on run; raises ValueError for an unknown
    name or a GPU this machine does not have (with the driver's reason)."""
    _kiln.set_device(str(device))


def get_device():
    return _kiln.get_device()


def set_float32_matmul_precision(precision):
    """torch.set_float32_matmul_precision for Kiln's GPU models: "highest"
    (f32 on CUDA cores, the CPU's results) or "high" (TF32 tensor cores, on
    sm_80 and later); "" returns to KILN_FLOAT32_MATMUL_PRECISION, else
    "highest". Models compiled from now on take it."""
    _kiln.set_float32_matmul_precision(str(precision))


def get_float32_matmul_precision():
    return _kiln.get_float32_matmul_precision()


__all__ = ["PhysicalDevice", "list_physical_devices", "describe_devices",
           "set_device", "get_device", "set_float32_matmul_precision",
           "get_float32_matmul_precision"]
