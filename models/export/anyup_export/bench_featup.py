"""FeatUp's JBU stack as exported: exactness against the upstream code and its cost on ONNX Runtime, per size.

``python3 -m anyup_export.bench_featup --upsampler-source DIR [--sizes 224,448] [--seed 0] [--channels 384]
[--runs 3] [--work DIR]`` (from ``models/export``):

1. Builds upstream's ``JBUStack(C)`` from DIR (a clone of mhamilton723/FeatUp) under the seed, moves every parameter
   off its init value (0.3 x N(0, 1): temperatures, sigmas, the ChannelNorm too) and exports it as the tool does.
2. Runs the exported graph on ONNX Runtime at batch 1 in its own JVM (``tools/GraphBench.java``, the Java ORT 1.21.1
   the app uses, from ``~/.m2``; fixed-seed normal inputs): median / min ms per call and peak resident memory.
3. Runs upstream's forward -- its ``ChannelNorm`` (featup/layers.py), then ``JBUStack.forward``, then the bilinear
   resize its training step applies -- on the same inputs, and prints max |diff| of the ORT output and of the graph
   in PyTorch against it (``--ort-only``: ORT only). Upstream's adaptive convolution is a compiled extension; where ``adaptive_conv_cpp_impl``
   is importable it is compared with :func:`featup_graph.adaptive_conv` on a 16-channel slice of a 224 step-1 input
   (it indexes tensors element by element, ~24 us per multiply-add here: the full 224 forward would take hours), and
   the forward uses the PyTorch one.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import bundle as B, featup_graph as G, sources
from .bench_upsampler import ORT_JAR, TOOL


def _bench_graph(path, runs, out):
    import re
    import subprocess
    cmd = ["java", "-Xmx4g", "-Dbench.dumpInputs=true", "-cp", ORT_JAR, TOOL, path, str(runs), out]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT")]
    if res.returncode != 0 or not line:
        raise SystemExit("GraphBench failed: %s" % (res.stderr or res.stdout)[-600:])
    return dict((k, float(v)) for k, v in re.findall(r"(\w+)=([\d.]+)", line[0]))


def _extension_check(log):
    import sys as _sys
    cpp = _sys.modules.get("adaptive_conv_cpp_impl")
    if cpp is None or not getattr(cpp, "__file__", None):
        log("adaptive_conv_cpp_impl: not built; the forward uses featup_graph.adaptive_conv (the same sum in PyTorch)")
        return
    g = torch.Generator().manual_seed(1)
    padded, kernels = torch.randn(1, 16, 38, 38, generator=g), torch.randn(1, 32, 32, 7, 7, generator=g)
    t = time.time()
    want = cpp.forward(padded, kernels)
    t_cpp = time.time() - t
    got = G.adaptive_conv(padded, kernels)
    log("adaptive_conv_cpp_impl (%s) vs featup_graph.adaptive_conv on [1,16,38,38] x [1,32,32,7,7]: max |diff| %.3g "
        "(values up to %.3g; extension %.1f s)" % (cpp.__file__, float((got - want).abs().max()),
                                                   float(want.abs().max()), t_cpp))


def run(source_dir, sizes, seed, channels, runs, work, torch_graph=True, log=print):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    stack_class = sources.featup_upstream_stack(source_dir)
    layers = sys.modules["featup.upsamplers"]  # imported by featup_upstream_stack
    conv_module = sys.modules["featup.adaptive_conv_cuda.adaptive_conv"]
    from featup.layers import ChannelNorm
    log("upstream FeatUp from %s, git %s, seed %d, parameters moved off their init values" % (
        source_dir, sources.git_commit(source_dir), seed))
    _extension_check(log)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = G.FeatUpJBU(channels, stack=stack_class(channels)).eval()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.3 * torch.randn_like(p))
    norm = ChannelNorm(channels).eval()
    norm.norm.load_state_dict(model.norm.state_dict())
    assert isinstance(model.upsampler, layers.JBUStack)
    rows = []
    for s in sizes:
        h = s // 14
        path = os.path.join(work, "upsampler_featup_%d.onnx" % s)
        t = time.time()
        graph = G.FeatUpProfileGraph(model, s, h, channels, s).eval()
        B.export_upsampler(graph, s, channels, h, path, output_dims=[channels, s, s])
        import onnx
        nodes = len(onnx.load(path, load_external_data=False).graph.node)
        export_s = time.time() - t
        out = os.path.join(work, "out_%d.f32" % s)
        result = _bench_graph(path, runs, out)
        image = torch.from_numpy(np.fromfile(out + ".image.f32", dtype="<f4").reshape(1, 3, s, s))
        feats = torch.from_numpy(np.fromfile(out + ".features.f32", dtype="<f4").reshape(1, channels, h, h))
        ort_out = torch.from_numpy(np.fromfile(out, dtype="<f4").reshape(1, channels, s, s))
        original = conv_module.AdaptiveConv.apply
        conv_module.AdaptiveConv.apply = staticmethod(G.adaptive_conv)
        try:
            with torch.no_grad():
                t = time.time()
                native = model.upsampler(norm(feats), image)
                want = F.interpolate(native, (s, s), mode="bilinear")
                t_ref = time.time() - t
        finally:
            conv_module.AdaptiveConv.apply = original
        d_ort = float((ort_out - want).abs().max())
        log("size %d: features [1,%d,%d,%d]; upstream output %s, resized to %d; values up to %.3g" % (
            s, channels, h, h, tuple(native.shape), s, float(want.abs().max())))
        log("size %d: max |diff| vs upstream: ONNX Runtime %.3g (upstream forward in PyTorch %.1f s)" % (
            s, d_ort, t_ref))
        if torch_graph:
            with torch.no_grad():
                got = graph(image, feats)
                got_native = G.FeatUpProfileGraph(model, s, h, channels, 0).eval()(image, feats)
            log("size %d: max |diff| vs upstream: graph in PyTorch %.3g, graph at the stack's own size %.3g" % (
                s, float((got - want).abs().max()), float((got_native - native).abs().max())))
        log("size %d: %d nodes, export %.0f s, ORT median %.0f ms, min %.0f ms, peak RSS %d MB" % (
            s, nodes, export_s, result["median_ms"], result["min_ms"], result["peak_rss_mb"]))
        rows.append((s, nodes, result, d_ort, float(want.abs().max())))
        for f in (out, out + ".image.f32", out + ".features.f32"):
            os.remove(f)
    log("")
    log("| size | features | nodes | median ms | min ms | peak RSS MB | max abs diff ORT vs upstream | values up to |")
    log("|---:|---|---:|---:|---:|---:|---:|---:|")
    for s, nodes, r, d, v in rows:
        log("| %d | [1,%d,%d,%d] | %d | %.0f | %.0f | %d | %.2g | %.2g |" % (
            s, channels, s // 14, s // 14, nodes, r["median_ms"], r["min_ms"], r["peak_rss_mb"], d, v))
    log("")
    log("| size | stage | GMAC |")
    log("|---:|---|---:|")
    for s in sizes:
        m = G.macs(s, s // 14, channels)
        for stage, v in m.items():
            log("| %d | %s | %.2f |" % (s, stage, v / 1e9))
        log("| %d | **total** | %.2f |" % (s, sum(m.values()) / 1e9))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m anyup_export.bench_featup", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upsampler-source", required=True, metavar="DIR", help="a clone of mhamilton723/FeatUp")
    ap.add_argument("--sizes", default="224,448")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--channels", type=int, default=384)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", help="folder for the graphs (default: a temporary one, removed)")
    ap.add_argument("--ort-only", action="store_true",
                    help="compare only ONNX Runtime's output with upstream (not also the graph run in PyTorch)")
    a = ap.parse_args(argv)
    if not (shutil.which("java") and os.path.isfile(ORT_JAR)):
        raise SystemExit("needs java and %s (run the Maven build once)" % ORT_JAR)
    work = a.work or tempfile.mkdtemp(prefix="featup-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        run(a.upsampler_source, [int(v) for v in a.sizes.split(",")], a.seed, a.channels, a.runs, work,
            torch_graph=not a.ort_only)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
