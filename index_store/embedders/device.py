"""Which torch device embeds articles: the `embedding_device` setting made a device torch sees.

`auto` takes CUDA, else Apple's MPS, when torch sees one, else the CPU; `cpu`, `cuda`,
`cuda:N` and `mps` are taken as asked, and refused with a one-line error when torch does not
see that device, before anything is stored. torch is imported only to answer, never for `cpu`,
nor for `auto` on a machine with no NVIDIA driver that is not a Mac.
"""

from __future__ import annotations

from functools import lru_cache

from index_store.errors import NewsQAError

AUTO = "auto"
CPU = "cpu"


class DeviceUnavailable(NewsQAError):
    """`embedding_device` names a device this machine (as torch sees it) does not have."""


@lru_cache(maxsize=8)
def torch_device(setting: str) -> str:
    """The device `setting` means here ('cpu', 'cuda', 'cuda:1', 'mps'), or DeviceUnavailable."""
    if setting == CPU or (setting == AUTO and not _may_have_accelerator()):
        return CPU
    import torch

    if setting == AUTO:
        if torch.cuda.is_available():
            return "cuda"
        return "mps" if _mps_available(torch) else CPU
    if setting == "mps":
        if not _mps_available(torch):
            raise _unavailable(setting, "torch sees no Apple MPS device here")
        return setting
    kind, _, index = setting.partition(":")
    if kind != "cuda" or not (index.isdigit() or setting == "cuda"):
        raise DeviceUnavailable(
            f"embedding_device '{setting}' is not a device: use auto, cpu, cuda, cuda:N or mps"
        )
    return _cuda(torch, setting, int(index or 0))


def _may_have_accelerator() -> bool:
    """Whether torch could see a GPU here: an NVIDIA driver or a Mac. Where neither is, `auto` is
    the CPU without importing torch (seconds), so `newsqa stats` stays quick."""
    import os
    import sys

    return sys.platform == "darwin" or os.path.exists("/proc/driver/nvidia/version")


def check_device(setting: str) -> None:
    """Refuse an explicit device torch does not see; `auto` always has one and costs no import."""
    if setting != AUTO:
        torch_device(setting)


def _cuda(torch, setting: str, index: int) -> str:
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise _unavailable(setting, "torch sees no CUDA device here")
    if index >= count:
        seen = "cuda:0" if count == 1 else f"cuda:0 to cuda:{count - 1}"
        raise DeviceUnavailable(
            f"embedding_device '{setting}': torch sees {count} CUDA device"
            f"{'s' if count > 1 else ''} here ({seen}); use auto, cpu or one of those"
        )
    return setting


def _mps_available(torch) -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def _unavailable(setting: str, reason: str) -> DeviceUnavailable:
    return DeviceUnavailable(f"embedding_device '{setting}': {reason}; use auto or cpu")
