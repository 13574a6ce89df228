"""Where the models come from: local source folders, checkpoint files, seeds -- and the provenance that goes into the
manifest.

A model is built **once** per export (so every resolution profile of a bundle carries the same weights) from:

* a **source**: a local folder with a ``hubconf.py`` (a clone of facebookresearch/dinov2 or wimmerth/anyup: loaded
  with ``torch.hub.load(folder, name, source="local")``, which never touches the network), the tool's own AnyUp
  (``anyup-builtin``), a ``package.module:factory``, or -- only when neither a folder nor a checkpoint is given --
  torch.hub's GitHub route (``facebookresearch/dinov2``; needs the network);
* **weights**: a checkpoint file (a state dict, loaded strictly; its sha256 is recorded), or random weights from one
  explicit ``--seed`` (recorded as "random, seed N"), or for the hub route the upstream pretrained download.
"""

import copy
import os
import subprocess

import torch

from . import compat
from .npyio import sha256_file

DINOV2 = {"dinov2_vits14", "dinov2_vitb14", "dinov2_vitl14", "dinov2_vitg14",
          "dinov2_vits14_reg", "dinov2_vitb14_reg", "dinov2_vitl14_reg", "dinov2_vitg14_reg"}
LICENCES = {"dinov2": "Apache-2.0", "anyup": "CC-BY-4.0", "featup": "MIT"}


class SourceError(Exception):
    """A model source or checkpoint cannot be used; the message names the file or folder."""


def git_commit(folder):
    """The folder's git commit, or None (not a git checkout, or git missing)."""
    try:
        out = subprocess.run(["git", "-C", folder, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def read_checkpoint(path):
    """The state dict in ``path`` (optionally wrapped in {"model"|"state_dict": ...})."""
    try:
        state = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - torch.load raises many kinds; all mean "not a checkpoint"
        raise SourceError("checkpoint %s cannot be read: %s" % (path, e)) from e
    for key in ("model", "state_dict"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
    if not isinstance(state, dict):
        raise SourceError("checkpoint %s holds a %s, not a state dict" % (path, type(state).__name__))
    return state


def _few(keys, n=5):
    keys = sorted(keys)
    return ", ".join(keys[:n]) + (", ... (%d more)" % (len(keys) - n) if len(keys) > n else "")


def load_checkpoint(model, path, state=None):
    """Loads a state dict (``state``, else read from ``path``) strictly into ``model``. A checkpoint of another model
    is refused naming a few of the missing and unexpected keys (torch's own message ends in a colon on its first
    line, so the keys were lost), or the shape mismatches."""
    if state is None:
        state = read_checkpoint(path)
    want = set(model.state_dict())
    missing, unexpected = want - set(state), set(state) - want
    if missing or unexpected:
        raise SourceError("checkpoint %s does not fit the model (another model's weights?): %d missing key(s)%s; "
                          "%d unexpected key(s)%s" % (path, len(missing), ": " + _few(missing) if missing else "",
                                                      len(unexpected), ": " + _few(unexpected) if unexpected else ""))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        lines = [ln.strip() for ln in str(e).splitlines()[1:] if ln.strip()]
        raise SourceError("checkpoint %s does not fit the model: %s" % (
            path, "; ".join(lines[:5]) + ("; ... (%d more)" % (len(lines) - 5) if len(lines) > 5 else "")
            if lines else str(e))) from e


class ModelSource:
    """Hands out the model for each profile: hub / built-in models are built once and deep-copied (every profile gets
    the same weights); a factory that takes the profile's shapes is called per profile, under the same seed."""

    def __init__(self, build, provenance, per_profile=False):
        self._build = build
        self._model = None
        self.per_profile = per_profile
        self.provenance = provenance

    def get(self, **shape):
        if self.per_profile:
            return self._build(**shape).eval()
        if self._model is None:
            self._model = self._build().eval()
        return copy.deepcopy(self._model)


def _seeded(seed, build):
    def run(**shape):
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            return build(**shape)
    return run


def hub_local(folder, name, **kwargs):
    if not os.path.isfile(os.path.join(folder, "hubconf.py")):
        raise SourceError("source folder %s has no hubconf.py (expected a clone of the model's repository)" % folder)
    return torch.hub.load(os.path.abspath(folder), name, source="local", **kwargs)


def resolve(kind, spec, kwargs, source_dir=None, checkpoint=None, seed=None, factory_call=None, log=print):
    """``kind``: "encoder" or "upsampler". ``spec``: dinov2_* / anyup / anyup-builtin / package.module:factory.
    ``factory_call(factory, **shape)`` builds from a factory with the profile's shapes. Returns a ModelSource."""
    added = compat.install()
    if added:
        log("torch %s lacks %s: provided from plain ops by anyup_export.compat" % (torch.__version__, ", ".join(added)))
    if spec == "featup-jbu":
        return _resolve_featup(kind, kwargs, source_dir, checkpoint, seed, log)
    family = "dinov2" if spec in DINOV2 else "anyup" if spec in ("anyup", "anyup-builtin") else None
    provenance = {"licence": LICENCES.get(family, "unknown")}
    kwargs = dict(kwargs)
    if spec == "anyup-builtin":
        from .anyup_arch import AnyUpArch
        build = lambda **_: AnyUpArch(**kwargs)  # noqa: E731
        provenance["source"] = "anyup_export.anyup_arch (the tool's own AnyUp; official checkpoints load into it)"
    elif family is not None and source_dir:
        if family == "dinov2":
            os.environ.setdefault("XFORMERS_DISABLED", "1")  # xformers' attention does not export
        kwargs["pretrained"] = False
        build = lambda **_: hub_local(source_dir, spec, **kwargs)  # noqa: E731
        commit = git_commit(source_dir)
        provenance["source"] = "torch.hub local %s%s" % (os.path.abspath(source_dir),
                                                        " (git %s)" % commit if commit else "")
        if commit:
            provenance["commit"] = commit
    elif family is not None:
        repo = {"dinov2": "facebookresearch/dinov2", "anyup": "wimmerth/anyup"}[family]
        if family == "dinov2":
            os.environ.setdefault("XFORMERS_DISABLED", "1")
        if checkpoint or seed is not None:
            kwargs["pretrained"] = False
        build = lambda **_: torch.hub.load(repo, spec, **kwargs)  # noqa: E731
        provenance["source"] = "torch.hub %s (network)" % repo
    else:
        from .exporter import load_factory
        factory = load_factory(spec)
        build = lambda **shape: factory_call(factory, **shape)  # noqa: E731
        provenance["source"] = "factory %s" % spec
    if checkpoint:
        if seed is not None:
            log("%s: --seed is ignored, weights come from %s" % (kind, checkpoint))
        if not os.path.isfile(checkpoint):
            raise SourceError("%s checkpoint %s: no such file" % (kind, checkpoint))
        provenance["weights"] = {"file": os.path.basename(checkpoint), "sha256": sha256_file(checkpoint)}
        # read now, before any model is traced: a bad file fails in seconds, not after the first encoder's export
        state = read_checkpoint(checkpoint)
        inner = build

        def build(**shape):
            m = inner(**shape)
            load_checkpoint(m, checkpoint, state)
            return m
    elif seed is not None:
        build = _seeded(seed, build)
        provenance["weights"] = "random, seed %d" % seed
        if provenance["licence"] != "unknown":
            provenance["licence"] += " (code); random weights"
    elif family is not None and source_dir or spec == "anyup-builtin":
        raise SourceError("%s %s from a local source needs --%s-checkpoint FILE or --seed N (random weights)"
                          % (kind, spec, kind))
    else:
        provenance["weights"] = "as built by the source" if family is None else "upstream pretrained (downloaded)"
    source = ModelSource(build, provenance, per_profile=family is None and spec != "anyup-builtin")
    if checkpoint and not source.per_profile:
        source.get()  # built once for every profile: fit the checkpoint now, before the encoder is traced
    log("%s: %s; weights: %s" % (kind, provenance["source"], provenance["weights"] if isinstance(
        provenance["weights"], str) else "%s sha256 %s" % (provenance["weights"]["file"], provenance["weights"]["sha256"])))
    return source


def featup_upstream_stack(folder):
    """Upstream's ``JBUStack`` class from a clone of mhamilton723/FeatUp. Its package imports the compiled
    adaptive-convolution extensions (``adaptive_conv_cpp_impl``, ``adaptive_conv_cuda_impl``; built by its
    ``setup.py``) at import time; the export only reads the stack's parameters, so where they are not installed they
    are stood in for by modules that refuse to run. The import also reseeds torch's global generator (its
    ``adaptive_conv.py`` calls ``torch.manual_seed(42)``): it runs under ``fork_rng`` so nothing else sees that."""
    import importlib
    import sys
    import types
    if not os.path.isfile(os.path.join(folder, "featup", "upsamplers.py")):
        raise SourceError("source folder %s has no featup/upsamplers.py (expected a clone of mhamilton723/FeatUp)"
                          % folder)
    for name in ("adaptive_conv_cpp_impl", "adaptive_conv_cuda_impl"):
        try:
            importlib.import_module(name)
        except ImportError:
            stub = types.ModuleType(name)

            def refuse(*_args, _name=name, **_kwargs):
                raise RuntimeError("%s is not built; anyup_export reads FeatUp's parameters only" % _name)
            stub.forward = stub.grad_input = stub.grad_filters = refuse
            sys.modules[name] = stub
    folder = os.path.abspath(folder)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    with torch.random.fork_rng():
        try:
            module = importlib.import_module("featup.upsamplers")
        except Exception as e:  # noqa: BLE001 - any import failure means "not a usable FeatUp clone"
            raise SourceError("cannot import featup.upsamplers from %s: %s" % (folder, e)) from e
    loaded = os.path.abspath(getattr(module, "__file__", ""))
    if not loaded.startswith(folder + os.sep):
        raise SourceError("featup.upsamplers was already imported from %s, not from %s" % (loaded, folder))
    return module.JBUStack


def _resolve_featup(kind, kwargs, source_dir, checkpoint, seed, log):
    """``featup-jbu``: FeatUp's JBU stack, upstream's class (``source_dir``) or the tool's own
    (:class:`~anyup_export.featup_graph.JBUStackArch`, same parameter tree), with the ChannelNorm in front of it that
    the published checkpoints were trained with. Built per profile (the stack's size is the encoder's channel count),
    under the seed or from the checkpoint, so every profile has the same weights."""
    from . import featup_graph as FG
    kwargs = dict(kwargs)
    use_norm = bool(kwargs.pop("use_norm", True))
    if kwargs:
        raise SourceError("featup-jbu takes only use_norm in --upsampler-kwargs, got %s" % sorted(kwargs))
    provenance = {"licence": LICENCES["featup"]}
    if source_dir:
        stack_class = featup_upstream_stack(source_dir)
        commit = git_commit(source_dir)
        provenance["source"] = "featup.upsamplers.JBUStack from %s%s" % (os.path.abspath(source_dir),
                                                                      " (git %s)" % commit if commit else "")
        if commit:
            provenance["commit"] = commit
    else:
        stack_class = FG.JBUStackArch
        provenance["source"] = "anyup_export.featup_graph (the tool's own JBU stack; FeatUp checkpoints load into it)"
    state = None
    if checkpoint:
        if seed is not None:
            log("%s: --seed is ignored, weights come from %s" % (kind, checkpoint))
        if not os.path.isfile(checkpoint):
            raise SourceError("%s checkpoint %s: no such file" % (kind, checkpoint))
        provenance["weights"] = {"file": os.path.basename(checkpoint), "sha256": sha256_file(checkpoint)}
        state = read_checkpoint(checkpoint)
        try:
            _, norm, channels = FG.checkpoint_state(state)
        except FG.CheckpointError as e:
            raise SourceError("checkpoint %s: %s" % (checkpoint, e)) from e
        use_norm = norm is not None

    def build(channels, **_):
        model = FG.FeatUpJBU(channels, use_norm, stack=stack_class(channels))
        if state is not None:
            try:
                FG.load_published(model, state, checkpoint)
            except FG.CheckpointError as e:
                raise SourceError(str(e)) from e
        return model
    if state is not None:
        if channels is not None:
            build(channels)  # fit it now, before any encoder is traced
    elif seed is not None:
        build = _seeded(seed, build)
        provenance["weights"] = "random, seed %d" % seed
        provenance["licence"] += " (code); random weights"
    else:
        raise SourceError("%s featup-jbu needs --%s-checkpoint FILE (a *_jbu_stack_cocostuff.ckpt) or --seed N "
                          "(random weights)" % (kind, kind))
    provenance["channel_norm"] = use_norm
    log("%s: %s; weights: %s; ChannelNorm %s" % (kind, provenance["source"], provenance["weights"] if isinstance(
        provenance["weights"], str) else "%s sha256 %s" % (provenance["weights"]["file"],
                                                           provenance["weights"]["sha256"]),
        "on" if use_norm else "off"))
    return ModelSource(build, provenance, per_profile=True)
