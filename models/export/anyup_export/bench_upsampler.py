"""AnyUp's exported formulations side by side: exactness against the reference code and ONNX Runtime cost.

Two commands (``python3 -m anyup_export.bench_upsampler ...`` from ``models/export``):

``check --upsampler-source DIR [--sizes 224,448] [--seed 0] [--channels 384]``
    Builds AnyUp from the upstream code in DIR (a clone of wimmerth/anyup), random weights from the seed with the norm
    parameters moved off their init values, and compares its own forward (dense masked attention) with the windowed
    and dense formulations that the tool exports, on one random image and feature map per size. Prints max |diff|
    and the upstream commit. Above 448 the upstream forward runs with its ``q_chunk_size`` (same result, bounded
    memory) and only the windowed formulation is compared (the dense one would hold 53 GB of logits at 896).

``ort [--sizes 224,448,896] [--runs 3] [--work DIR]``
    Exports the windowed and the dense AnyUp graph (the tool's AnyUp, seed 0, 384 channels, batch axis dynamic) per
    size and runs each on ONNX Runtime's CPU provider at batch 1 in its own JVM (``tools/GraphBench.java``, the Java
    ORT 1.21.1 the app uses, from ``~/.m2``): median / min ms per call and peak resident memory. Windowed and dense
    get the same fixed-seed inputs; their outputs are compared. Dense runs are skipped when its attention logits
    alone would not fit in memory. Also prints GMAC per stage for both.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from . import anyup_arch, anyup_graph, bundle as B, compat, sources

ORT_JAR = os.path.expanduser("~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.21.1/onnxruntime-1.21.1.jar")
TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "GraphBench.java")


def perturb_norms(model, seed):
    """Moves the GroupNorm and RMSNorm parameters off their init values (so a formulation ignoring them fails)."""
    g = torch.Generator().manual_seed(seed + 100)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "block.0" in name or "block.3" in name or "norm_" in name:
                p.add_(0.3 * torch.randn(p.shape, generator=g))
    return model


def check(source_dir, sizes, seed, channels, log=print):
    added = compat.install()
    if added:
        log("torch %s lacks %s: provided by anyup_export.compat" % (torch.__version__, ", ".join(added)))
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        upstream = sources.hub_local(source_dir, "anyup", pretrained=False)
    upstream = perturb_norms(upstream.eval(), seed)
    log("upstream AnyUp from %s, git %s, random weights seed %d (norms perturbed)" % (
        source_dir, sources.git_commit(source_dir), seed))
    for s in sizes:
        h = s // 14
        g = torch.Generator().manual_seed(seed + s)
        image = torch.randn(1, 3, s, s, generator=g)
        feats = torch.randn(1, channels, h, h, generator=g) * 2
        # the upstream forward's own query chunking (same result) keeps its dense attention in memory at 896
        chunk = 4096 if 4 * s * s * h * h * 4 > 1 << 30 else None
        with torch.no_grad():
            t = time.time()
            want = upstream(image, feats, q_chunk_size=chunk)
            t_ref = time.time() - t
            for attention in anyup_graph.ATTENTION_MODES:
                if attention == "dense" and chunk:
                    continue  # the exported dense formulation has no chunking: 53 GB of logits at 896
                t = time.time()
                got = anyup_graph.AnyUpProfileGraph(upstream, s, h, channels, attention=attention).eval()(image, feats)
                log("size %d: %-8s vs upstream forward: max |diff| %.3g, values up to %.3g (torch: upstream %.1f s, "
                    "%s %.1f s)" % (s, attention, float((got - want).abs().max()), float(want.abs().max()), t_ref,
                                    attention, time.time() - t))


def _bench_graph(path, runs, out):
    cmd = ["java", "-Xmx4g", "-cp", ORT_JAR, TOOL, path, str(runs), out]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    line = [l for l in res.stdout.splitlines() if l.startswith("RESULT")]
    if res.returncode != 0 or not line:
        return None, (res.stderr or res.stdout)[-400:]
    return dict((k, float(v)) for k, v in re.findall(r"(\w+)=([\d.]+)", line[0])), None


def ort(sizes, runs, work, channels=384, log=print):
    if not (shutil.which("java") and os.path.isfile(ORT_JAR)):
        raise SystemExit("needs java and %s (run the Maven build once)" % ORT_JAR)
    compat.install()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = anyup_arch.anyup_arch(0).eval()
    rows = []
    for s in sizes:
        h = s // 14
        outputs = {}
        for attention in anyup_graph.ATTENTION_MODES:
            dense_logit_bytes = 4 * 4 * s * s * h * h
            if attention == "dense" and dense_logit_bytes > 16 << 30:
                log("size %d dense: skipped, its attention logits alone are %.0f GB" % (s, dense_logit_bytes / 2**30))
                rows.append((s, attention, None, "logits alone %.0f GB" % (dense_logit_bytes / 2**30)))
                continue
            path = os.path.join(work, "upsampler_%s_%d.onnx" % (attention, s))
            t = time.time()
            graph = anyup_graph.AnyUpProfileGraph(model, s, h, channels, attention=attention).eval()
            B.export_upsampler(graph, s, channels, h, path, output_dims=[channels, s, s])
            import onnx
            nodes = len(onnx.load(path, load_external_data=False).graph.node)
            export_s = time.time() - t
            out = os.path.join(work, "out_%s_%d.f32" % (attention, s))
            result, err = _bench_graph(path, runs, out)
            if result is None:
                log("size %d %s: failed: %s" % (s, attention, err))
                rows.append((s, attention, None, "failed"))
                continue
            outputs[attention] = np.fromfile(out, dtype="<f4")
            os.remove(out)
            result.update(nodes=nodes, export_s=export_s)
            rows.append((s, attention, result, None))
            log("size %d %-8s: %5d nodes, export %.0f s, median %.0f ms, min %.0f ms, peak RSS %d MB" % (
                s, attention, nodes, export_s, result["median_ms"], result["min_ms"], result["peak_rss_mb"]))
        if len(outputs) == 2:
            log("size %d: windowed vs dense on ONNX Runtime, same inputs: max |diff| %.3g (values up to %.3g)" % (
                s, float(np.abs(outputs["windowed"] - outputs["dense"]).max()), float(np.abs(outputs["dense"]).max())))
    log("")
    log("| size | graph | nodes | median ms | min ms | peak RSS MB | windowed speed-up | RSS ratio |")
    log("|---:|---|---:|---:|---:|---:|---:|---:|")
    by = {(s, a): r for s, a, r, _ in rows}
    for s, a, r, note in rows:
        if r is None:
            log("| %d | %s | – | – | – | – | – | %s |" % (s, a, note))
            continue
        d = by.get((s, "dense"))
        speed = "%.2f×" % (d["median_ms"] / r["median_ms"]) if a == "windowed" and d else ""
        mem = "%.2f" % (r["peak_rss_mb"] / d["peak_rss_mb"]) if a == "windowed" and d else ""
        log("| %d | %s | %d | %.0f | %.0f | %d | %s | %s |" % (s, a, r["nodes"], r["median_ms"], r["min_ms"],
                                                            r["peak_rss_mb"], speed, mem))
    log("")
    log("| size | stage | dense GMAC | windowed GMAC |")
    log("|---:|---|---:|---:|")
    for s in sizes:
        d = anyup_graph.macs(s, s // 14, channels, "dense")
        w = anyup_graph.macs(s, s // 14, channels, "windowed")
        for stage in d:
            log("| %d | %s | %.1f | %.1f |" % (s, stage, d[stage] / 1e9, w[stage] / 1e9))
        log("| %d | **total** | %.1f | %.1f |" % (s, sum(d.values()) / 1e9, sum(w.values()) / 1e9))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m anyup_export.bench_upsampler", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check", help="windowed/dense formulations vs the upstream AnyUp forward")
    p.add_argument("--upsampler-source", required=True, metavar="DIR")
    p.add_argument("--sizes", default="224,448")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--channels", type=int, default=384)
    p = sub.add_parser("ort", help="dense vs windowed graph on ONNX Runtime (CPU, batch 1)")
    p.add_argument("--sizes", default="224,448,896")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--work", help="folder for the graphs (default: a temporary one, removed)")
    a = ap.parse_args(argv)
    sizes = [int(v) for v in a.sizes.split(",")]
    if a.cmd == "check":
        check(a.upsampler_source, sizes, a.seed, a.channels)
        return 0
    work = a.work or tempfile.mkdtemp(prefix="anyup-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        ort(sizes, a.runs, work)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
