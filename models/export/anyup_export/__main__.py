"""CLI: python3 -m anyup_export {default-bundle,export,verify,fixtures,sample-images,calibrate,convert-probe} ..."""

import argparse
import json
import sys


def _sizes(text):
    try:
        sizes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes must be comma-separated integers, got %r" % text)
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive, got %r" % text)
    return sizes


def _exit_on_sigterm():
    """SIGTERM (docker stop, kill) unwinds like Ctrl-C, so the export's cleanup removes its partial folder; Python's
    default for SIGTERM is to die at once, leaving it behind."""
    import signal
    import threading
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m anyup_export", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("default-bundle", help="build the default stand-in bundle")
    p.add_argument("out_dir")
    p.add_argument("--samples", help="directory of images for the PCA basis (default: topology demo samples)")
    p.add_argument("--reference-image", help="image for the reference tensors (default: test images/chelsea.png)")

    p = sub.add_parser("export", help="build a bundle from PyTorch models you have (DINOv2 / AnyUp / your own)")
    p.add_argument("out_dir")
    p.add_argument("--encoder", required=True,
                   help="dinov2_vits14 | dinov2_vitb14 | dinov2_vitl14 | dinov2_vitg14 | package.module:factory")
    p.add_argument("--encoder-kwargs", default="{}", help="JSON kwargs for the encoder factory")
    p.add_argument("--encoder-source", metavar="DIR",
                   help="local clone of the encoder's repository (hubconf.py; e.g. facebookresearch/dinov2): no network")
    p.add_argument("--encoder-checkpoint", metavar="FILE", help="encoder weights (e.g. dinov2_vits14_pretrain.pth)")
    p.add_argument("--upsampler", default="none",
                   help="anyup (upstream code: --upsampler-source DIR, else torch.hub) | anyup-builtin (the tool's "
                        "own AnyUp, no source needed) | featup-jbu (FeatUp's JBU stack: --upsampler-source DIR, a clone "
                        "of mhamilton723/FeatUp, else the tool's own; --upsampler-checkpoint a "
                        "*_jbu_stack_cocostuff.ckpt) | none | package.module:factory (factory(input_size, channels, "
                        "feature_size) or factory())")
    p.add_argument("--upsampler-source", metavar="DIR",
                   help="local clone of wimmerth/anyup (hubconf.py) or, for featup-jbu, of mhamilton723/FeatUp")
    p.add_argument("--upsampler-checkpoint", metavar="FILE",
                   help="upsampler weights (e.g. anyup_paper.pth, anyup_multi_backbone.pth)")
    p.add_argument("--seed", type=int,
                   help="random weights from this seed for every model without a checkpoint (same for every "
                        "profile; the manifest says 'random, seed N')")
    p.add_argument("--attention", choices=["windowed", "dense"], default="windowed",
                   help="AnyUp cross-attention in the graph: windowed (exact, in-window cells only) or dense (the "
                        "reference's masked formulation, for comparison)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing non-empty OUT_DIR")
    p.add_argument("--upsampler-kwargs", default="{}", help="JSON kwargs for the upsampler factory")
    p.add_argument("--sizes", type=_sizes, default=[224, 448], help="comma-separated input sizes (default 224,448)")
    p.add_argument("--name", default="custom-bundle")
    p.add_argument("--version", default="0.1.0")
    p.add_argument("--encoder-name")
    p.add_argument("--encoder-version", default="1.0.0")
    p.add_argument("--encoder-licence")
    p.add_argument("--upsampler-name")
    p.add_argument("--upsampler-version", default="1.0.0")
    p.add_argument("--upsampler-licence")
    p.add_argument("--reference-image", help="image file for the reference tensors (default: a fixed-seed "
                                             "random image)")
    p.add_argument("--reference-sizes", type=_sizes, help="profiles that get reference tensors (default: all)")
    p.add_argument("--pca", type=int, default=0, help="also fit a PCA-k projection on --pca-images (k)")
    p.add_argument("--pca-images", help="directory of images for the PCA basis")
    p.add_argument("--atol", type=float, default=1e-3)
    p.add_argument("--upsampled-dtype", choices=["f4", "f2"], default="f4",
                   help="dtype of the stored upsampled reference (f2 halves the size)")
    p.add_argument("--mean", default="0.485,0.456,0.406")
    p.add_argument("--std", default="0.229,0.224,0.225")

    p = sub.add_parser("verify", help="check a bundle: manifest completeness, hashes, shapes, graph contract")
    p.add_argument("bundle_dir")
    p.add_argument("--no-graphs", action="store_true", help="skip loading the ONNX graphs")

    p = sub.add_parser("fixtures", help="write the preprocessing parity fixtures")
    p.add_argument("out_dir")
    p.add_argument("--images", help="directory holding the source images (default: models test images)")

    p = sub.add_parser("sample-images", help="(re)generate test images and demo samples from scikit-image data")
    p.add_argument("--test-images", help="default: models/src/test/resources/images")
    p.add_argument("--demo", help="default: topology/src/main/resources/samples")

    p = sub.add_parser("calibrate", help="print the filter-bank standardisation constants for a sample directory")
    p.add_argument("--samples")

    p = sub.add_parser("convert-probe", help="a PyTorch Conv2d(C, K, 1) / Linear(C, K) probe to the app's probe JSON")
    from . import probe as _probe
    _probe.add_arguments(p)

    a = ap.parse_args(argv)
    if a.cmd == "default-bundle":
        from . import defaultbundle as D
        D.build_default_bundle(a.out_dir, samples_dir=a.samples or D.SAMPLES_DIR,
                               reference_image=a.reference_image or D.REFERENCE_IMAGE)
        print("wrote", a.out_dir)
    elif a.cmd == "export":
        from . import exporter, sources
        from .bundle import BundleError
        _exit_on_sigterm()
        try:
            m = exporter.export_from_args(a)
        except (sources.SourceError, BundleError) as e:
            print("error:", e, file=sys.stderr)
            return 2
        print(json.dumps({k: m[k] for k in ("name", "version")}))
    elif a.cmd == "verify":
        from .bundle import verify_bundle
        problems = verify_bundle(a.bundle_dir, check_graphs=not a.no_graphs)
        for pr in problems:
            print("FAIL:", pr)
        if problems:
            return 1
        print("OK: %s (manifest complete, hashes match, graphs follow the contract; numerics: run the Java "
              "`verify-bundle`, which executes the reference tensors on ONNX Runtime)" % a.bundle_dir)
    elif a.cmd == "fixtures":
        from . import fixtures
        fixtures.write_fixtures(a.out_dir, images_dir=a.images)
    elif a.cmd == "sample-images":
        from . import samples
        samples.main(a.test_images, a.demo)
    elif a.cmd == "convert-probe":
        try:
            doc = _probe.convert(a.state_dict, a.out, a.name, a.version, classes=a.classes,
                                 classes_file=a.classes_file, key=a.key, prefix=a.prefix, channels=a.channels,
                                 encoder_sha256=a.encoder_sha256)
        except _probe.ProbeError as e:
            print("error:", e, file=sys.stderr)
            return 2
        print("wrote %s: %d classes x %d channels" % (a.out, len(doc["classes"]), doc["channels"]))
    elif a.cmd == "calibrate":
        from . import defaultbundle as D
        D.calibrate(a.samples or D.SAMPLES_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
