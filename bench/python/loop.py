"""The issue-13 baseline: a plain Python loop doing the app's dense-feature job with the upstream PyTorch models.

    pipeline    consume ImageEvent -> PIL decode -> preprocess (the app's recipe) -> DINOv2 ViT-S/14 -> AnyUp ->
                float16 bytes (CHW, little-endian, dense only) -> produce, wait for the ack -> commit the input offset
                (at-least-once; one record at a time, like the app at batch 1)
    model-only  the same forward on one pre-decoded, pre-normalised input, timed per call after a warm-up call

The models are built exactly as the export tool builds them (``anyup_export.sources.resolve`` with the same seed, the
same ``compat`` shims for Debian's torch 1.13), so with ``--bundle`` the weights are those of the exported bundle;
model-only's warm-up input is then the bundle's reference image and its outputs are compared with the reference
tensors (printed as ``check``).

Output: one JSON object per line on stdout (``ready`` once partitions are assigned, ``image`` per processed record,
``model-only`` at the end of that mode); logs on stderr. Driven by dev.anyup.streams.bench.PythonLoopComparison.
"""

import argparse
import io
import json
import os
import signal
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "models", "export"))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from anyup_export import sources  # noqa: E402
from anyup_export.preprocess import preprocess  # noqa: E402

import imageevent  # noqa: E402


def log(msg):
    print("[pyloop] " + msg, file=sys.stderr, flush=True)


def emit(obj):
    print(json.dumps(obj), flush=True)


class DenseFeatures:
    """Upstream DINOv2 + AnyUp, called the way their READMEs show: patch tokens of ``forward_features`` as a
    [1,C,h,w] map, then ``anyup(image, features, output_size=(S,S))``."""

    def __init__(self, dinov2_source, anyup_source, seed, size, formulation):
        enc_src = sources.resolve("encoder", "dinov2_vits14", {}, dinov2_source, None, seed, log=log)
        up_src = sources.resolve("upsampler", "anyup", {}, anyup_source, None, seed, log=log)
        self.encoder = enc_src.get(input_size=size).eval()
        self.patch = int(self.encoder.patch_size)
        self.size = size
        channels = int(self.encoder.embed_dim)
        anyup = up_src.get(input_size=size, channels=channels, feature_size=size // self.patch).eval()
        if formulation == "upstream":
            self.upsampler = lambda x, f: anyup(x, f, output_size=(size, size))
        else:
            # the export tool's exact windowed formulation, still in PyTorch: separates "ONNX Runtime vs PyTorch"
            # from "windowed vs the upstream masked attention" when comparing with the app
            from anyup_export.anyup_graph import AnyUpProfileGraph
            graph = AnyUpProfileGraph(anyup, size, size // self.patch, channels, size, attention="windowed").eval()
            self.upsampler = graph

    def features(self, x):
        tokens = self.encoder.forward_features(x)["x_norm_patchtokens"]  # [1, h*w, C]
        h = self.size // self.patch
        return tokens.transpose(1, 2).reshape(x.shape[0], -1, h, h)

    def __call__(self, x):
        feats = self.features(x)
        return self.upsampler(x, feats)


def build(a):
    torch.set_num_threads(a.threads)
    started = time.time()
    models = DenseFeatures(a.dinov2_source, a.anyup_source, a.seed, a.size, a.formulation)
    log("models built in %.1f s (torch %s, %d intra-op threads, upsampler formulation %s)"
        % (time.time() - started, torch.__version__, torch.get_num_threads(), a.formulation))
    return models


def decode_jpeg(data):
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(data)) as im:
        im = ImageOps.exif_transpose(im)
        return np.array(im.convert("RGB"), dtype=np.uint8)  # writable, as torch.from_numpy wants


# ---------------------------------------------------------------- model-only

def reference(bundle, size):
    """(image [1,3,S,S], {name: expected array}, atol) from the bundle's reference tensors at ``size``, or None."""
    with open(os.path.join(bundle, "manifest.json")) as f:
        manifest = json.load(f)
    for ref in manifest.get("references", []):
        if ref["input_size"] == size:
            load = lambda k: np.load(os.path.join(bundle, ref[k])).astype(np.float32)  # noqa: E731
            expected = {k: load(k) for k in ("patch_features", "upsampled") if k in ref}
            return torch.from_numpy(load("image")), expected, float(ref.get("atol", 1e-3))
    return None


def model_only(a):
    models = build(a)
    ref = reference(a.bundle, a.size) if a.bundle else None
    if ref is not None:
        x = ref[0]
    else:
        g = torch.Generator().manual_seed(0)
        x = torch.randn(1, 3, a.size, a.size, generator=g)
    check = None
    with torch.inference_mode():
        t0 = time.perf_counter()
        feats = models.features(x)
        up = models.upsampler(x, feats)
        warm_ms = (time.perf_counter() - t0) * 1e3
        if ref is not None:
            _, expected, atol = ref
            got = {"patch_features": feats, "upsampled": up}
            check = {"bundle": os.path.abspath(a.bundle), "atol": atol}
            for k, v in expected.items():
                diff = float(np.abs(got[k].float().numpy() - v).max())
                check[k + "_max_abs_diff"] = diff
                check[k + "_max_abs_value"] = float(np.abs(v).max())
            check["same_weights"] = all(check[k + "_max_abs_diff"] <= atol for k in expected)
            log("reference check: %s" % json.dumps(check))
        calls, enc_ms, up_ms = [], [], []
        for _ in range(a.calls):
            t0 = time.perf_counter()
            feats = models.features(x)
            t1 = time.perf_counter()
            out = models.upsampler(x, feats)
            out.shape  # noqa: B018 - eager mode: the call has finished
            t2 = time.perf_counter()
            calls.append((t2 - t0) * 1e3)
            enc_ms.append((t1 - t0) * 1e3)
            up_ms.append((t2 - t1) * 1e3)
    emit({"event": "model-only", "calls": len(calls), "warm_up_ms": warm_ms, "median_ms": statistics.median(calls),
          "mean_ms": statistics.fmean(calls), "min_ms": min(calls), "max_ms": max(calls),
          "encoder_median_ms": statistics.median(enc_ms), "upsampler_median_ms": statistics.median(up_ms),
          "threads": torch.get_num_threads(), "formulation": a.formulation, "check": check})
    return 0


# ---------------------------------------------------------------- pipeline

def pipeline(a):
    from confluent_kafka import Consumer, KafkaException, Producer

    models = build(a)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    consumer = Consumer({"bootstrap.servers": a.bootstrap, "group.id": a.group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    producer = Producer({"bootstrap.servers": a.bootstrap, "acks": "all", "linger.ms": 0,
                         "message.max.bytes": a.max_message_bytes})

    def on_assign(_consumer, partitions):
        emit({"event": "ready", "partitions": len(partitions)})

    consumer.subscribe([a.input], on_assign=on_assign)
    failures = []

    def on_delivery(err, _msg):
        if err is not None:
            failures.append(err)

    processed = 0
    try:
        with torch.inference_mode():
            while not stop and (a.max_images <= 0 or processed < a.max_images):
                msg = consumer.poll(0.2)
                if msg is None:
                    continue
                if msg.error():
                    raise KafkaException(msg.error())
                t0 = time.perf_counter()
                event = imageevent.decode(msg.value())
                rgb = decode_jpeg(event.image)
                t1 = time.perf_counter()
                x = torch.from_numpy(preprocess(rgb, a.size)[0])[None]
                t2 = time.perf_counter()
                dense = models(x)
                t3 = time.perf_counter()
                payload = dense[0].to(torch.float16).numpy().tobytes()  # CHW, native (little-endian) halves
                t4 = time.perf_counter()
                producer.produce(a.output, value=payload, key=msg.key(), on_delivery=on_delivery,
                                 headers=[("image_id", event.image_id.encode())])
                producer.flush()  # the ack (acks=all), before the input offset is committed
                if failures:
                    raise KafkaException(failures[0])
                t5 = time.perf_counter()
                consumer.commit(message=msg, asynchronous=False)
                t6 = time.perf_counter()
                processed += 1
                emit({"event": "image", "key": msg.key().decode() if msg.key() else None, "decode_ms": (t1 - t0) * 1e3,
                      "preprocess_ms": (t2 - t1) * 1e3, "model_ms": (t3 - t2) * 1e3, "fp16_ms": (t4 - t3) * 1e3,
                      "produce_ms": (t5 - t4) * 1e3, "commit_ms": (t6 - t5) * 1e3, "bytes": len(payload)})
    finally:
        consumer.close()
        producer.flush(10)
    log("processed %d images" % processed)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["pipeline", "model-only"])
    ap.add_argument("--dinov2-source", default="/work/ref/facebookresearch+dinov2",
                    help="local clone of facebookresearch/dinov2 (default: %(default)s)")
    ap.add_argument("--anyup-source", default="/work/ref/wimmerth+anyup",
                    help="local clone of wimmerth/anyup (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0, help="random-weight seed, the export's --seed (default: 0)")
    ap.add_argument("--size", type=int, default=224, help="input size (default: 224)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="torch intra-op threads (default: the core count, %(default)s; Debian's torch uses 1 "
                         "unless told)")
    ap.add_argument("--formulation", choices=["upstream", "windowed"], default="upstream",
                    help="AnyUp forward: upstream (the model's own, masked dense attention; the baseline) or the "
                         "export tool's windowed formulation in PyTorch")
    ap.add_argument("--bundle", help="model-only: exported bundle whose reference tensors the outputs are checked "
                                     "against (its warm-up input is the reference image)")
    ap.add_argument("--calls", type=int, default=5, help="model-only: timed calls after the warm-up (default: 5)")
    ap.add_argument("--bootstrap", help="pipeline: bootstrap servers")
    ap.add_argument("--input", help="pipeline: ImageEvent topic")
    ap.add_argument("--output", help="pipeline: dense-features topic")
    ap.add_argument("--group", default="anyup-pyloop", help="pipeline: consumer group (default: %(default)s)")
    ap.add_argument("--max-message-bytes", type=int, default=64 * 1024 * 1024,
                    help="pipeline: producer message.max.bytes (default: %(default)s)")
    ap.add_argument("--max-images", type=int, default=0, help="pipeline: stop after this many (0: until SIGTERM)")
    a = ap.parse_args(argv)
    if a.calls < 1:
        ap.error("--calls must be at least 1, was %d" % a.calls)
    if a.mode == "pipeline":
        missing = [n for n in ("bootstrap", "input", "output") if not getattr(a, n)]
        if missing:
            ap.error("pipeline needs " + ", ".join("--" + n for n in missing))
        return pipeline(a)
    return model_only(a)


if __name__ == "__main__":
    sys.exit(main())
