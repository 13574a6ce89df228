"""Copies public-domain / CC0 photos from scikit-image's data directory into the repo and generates
decoder test cases (CMYK / progressive / EXIF-rotated JPEG, PNG variants, BMP, GIF, WebP, broken files).

Everything is deterministic given the scikit-image data files (Debian python3-skimage 0.19).
"""

import io
import os
import struct
import zlib

SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"

# name -> (file in skimage data, licence note from skimage.data's docstrings)
SOURCES = {
    "astronaut": ("astronaut.png", "NASA (Eileen Collins); public domain, no known copyright restrictions"),
    "chelsea": ("chelsea.png", "CC0, photographer Stefan van der Walt"),
    "coffee": ("coffee.png", "CC0, photographer Rachel Michetti"),
    "rocket": ("rocket.jpg", "SpaceX, released into the public domain"),
    "hubble": ("hubble_deep_field.jpg", "NASA, public domain"),
    "retina": ("retina.jpg", "CC0 1.0 (Mikael Haggstrom, Wikimedia Commons)"),
    "camera": ("camera.png", "CC0, photographer Lav Varshney"),
    "coins": ("coins.png", "Brooklyn Museum collection; no known copyright restrictions"),
    "horse": ("horse.png", "CC0, Andreas Preuss (marauder), openclipart"),
    "clock": ("clock_motion.png", "public domain, photographer Stefan van der Walt"),
    "ihc": ("ihc.png", "CMMI; no known copyright restrictions"),
    "brick": ("brick.png", "CC0 (CC0Textures Bricks25)"),
    "grass": ("grass.png", "CC0 (CC0Textures)"),
    "gravel": ("gravel.png", "CC0 (CC0Textures Gravel04)"),
    "truncated": ("truncated.jpg", "scikit-image test data (BSD-3-Clause, scikit-image project)"),
}


def _pil():
    from PIL import Image  # noqa: deferred so the model commands do not need PIL
    return Image


def load_source(name):
    Image = _pil()
    im = Image.open(os.path.join(SKIMAGE_DATA, SOURCES[name][0]))
    im.load()
    return im


def downscale(im, max_side):
    Image = _pil()
    w, h = im.size
    s = max(w, h)
    if s <= max_side:
        return im.copy()
    nw, nh = round(w * max_side / s), round(h * max_side / s)
    return im.resize((nw, nh), Image.LANCZOS)


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header_only(width, height, color_type=0, bit_depth=8):
    """A PNG whose IHDR declares width x height but whose pixel data is absent: a decoder that allocates the
    raster from the header before checking limits would try to allocate width*height pixels."""
    sig = b"\x89PNG\r\n\x1a\n"
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)  # far too little data: only the header matters
    return sig + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _save(im, path, **kw):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    im.save(path, **kw)
    return path


def write_test_images(out_dir):
    """Decoder/validation test images for models/src/test/resources/images. Returns [(file, description, origin)]."""
    Image = _pil()
    rows = []

    def add(fname, desc, origin):
        rows.append((fname, desc, origin))

    ast = load_source("astronaut").convert("RGB")
    che = load_source("chelsea").convert("RGB")
    cof = downscale(load_source("coffee").convert("RGB"), 480)
    roc = downscale(load_source("rocket").convert("RGB"), 512)

    # Lossless RGB PNGs (also the sources of the preprocessing parity fixtures).
    _save(che, os.path.join(out_dir, "chelsea.png"), optimize=True)
    add("chelsea.png", "RGB PNG 451x300 (original size)", "chelsea")
    _save(cof, os.path.join(out_dir, "coffee.png"), optimize=True)
    add("coffee.png", "RGB PNG 480x320 (downscaled, Lanczos)", "coffee")
    portrait = ast.crop((86, 0, 426, 512))
    _save(portrait, os.path.join(out_dir, "astronaut_portrait.png"), optimize=True)
    add("astronaut_portrait.png", "RGB PNG 340x512 portrait crop (x 86..426); at S=224 the center crop offset is round(56.5) = 56 (half-to-even)", "astronaut")

    # JPEG variants.
    _save(ast, os.path.join(out_dir, "astronaut.jpg"), quality=85)
    add("astronaut.jpg", "baseline JPEG 512x512, quality 85, 4:2:0", "astronaut")
    _save(roc, os.path.join(out_dir, "rocket.jpg"), quality=85)
    add("rocket.jpg", "baseline JPEG 512x342, quality 85", "rocket")
    _save(cof, os.path.join(out_dir, "coffee_progressive.jpg"), quality=85, progressive=True, optimize=True)
    add("coffee_progressive.jpg", "progressive JPEG 480x320, quality 85", "coffee")
    _save(che.convert("CMYK"), os.path.join(out_dir, "chelsea_cmyk.jpg"), quality=85)
    add("chelsea_cmyk.jpg", "CMYK JPEG 451x300 (PIL: Adobe APP14 marker, inverted CMYK as Photoshop writes it), quality 85",
        "chelsea")
    # EXIF orientation 6 (rotate 90 CW to display): store the upright image rotated 90 CCW, so an
    # orientation-aware decoder returns the upright 300x451... i.e. displayed size = stored size transposed.
    stored = che.transpose(Image.ROTATE_90)  # 300 wide x 451 high stored; displayed upright 451x300
    exif = Image.Exif()
    exif[0x0112] = 6
    _save(stored, os.path.join(out_dir, "chelsea_exif_orientation6.jpg"), quality=85, exif=exif.tobytes())
    add("chelsea_exif_orientation6.jpg",
        "JPEG stored 300x451 with EXIF Orientation=6; correctly oriented it is the upright 451x300 chelsea", "chelsea")
    data = open(os.path.join(out_dir, "rocket.jpg"), "rb").read()
    with open(os.path.join(out_dir, "rocket_truncated_half.jpg"), "wb") as f:
        f.write(data[: len(data) // 2])
    add("rocket_truncated_half.jpg", "rocket.jpg cut in half (first %d of %d bytes, no EOI)" % (len(data) // 2, len(data)),
        "rocket")
    with open(os.path.join(SKIMAGE_DATA, "truncated.jpg"), "rb") as src, \
            open(os.path.join(out_dir, "truncated.jpg"), "wb") as dst:
        dst.write(src.read())
    add("truncated.jpg", "scikit-image's truncated JPEG test file (400 bytes), copied unchanged", "truncated")

    # PNG variants.
    cam = downscale(load_source("camera"), 256)
    _save(cam.convert("L"), os.path.join(out_dir, "camera_gray.png"), optimize=True)
    add("camera_gray.png", "8-bit grayscale PNG 256x256", "camera")
    _save(che.quantize(colors=64, method=Image.MEDIANCUT), os.path.join(out_dir, "chelsea_palette.png"), optimize=True)
    add("chelsea_palette.png", "palette (indexed, 64 colours) PNG 451x300", "chelsea")
    import numpy as np
    g16 = (np.asarray(cam.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    im16 = Image.fromarray(g16.astype(np.int32), mode="I").convert("I;16")
    _save(im16, os.path.join(out_dir, "camera_gray16.png"))
    add("camera_gray16.png", "16-bit grayscale PNG 256x256 (value = 8-bit value * 257)", "camera")
    # Silhouette -> alpha: the horse (dark in the source) opaque brown, everything else fully transparent white.
    lum = np.asarray(downscale(load_source("horse"), 256).convert("L"))
    rgba = np.zeros(lum.shape + (4,), np.uint8)
    inside = lum < 128
    rgba[..., :3] = np.where(inside[..., None], np.array([139, 69, 19], np.uint8), np.uint8(255))
    rgba[..., 3] = np.where(inside, 255, 0).astype(np.uint8)
    _save(Image.fromarray(rgba, "RGBA"), os.path.join(out_dir, "horse_rgba.png"), optimize=True)
    add("horse_rgba.png", "RGBA PNG 256x210: horse silhouette opaque brown (139,69,19), background fully transparent "
        "white (alpha 0, RGB 255)", "horse")
    chea = che.convert("RGBA")
    a = np.zeros((che.size[1], che.size[0]), np.uint8)
    a[:, :] = np.linspace(0, 255, che.size[0]).astype(np.uint8)[None, :]
    chea.putalpha(Image.fromarray(a, "L"))
    _save(chea, os.path.join(out_dir, "chelsea_alpha_ramp.png"), optimize=True)
    add("chelsea_alpha_ramp.png", "RGBA PNG 451x300, alpha ramps 0 (left) to 255 (right)", "chelsea")
    with open(os.path.join(out_dir, "header_50000x50000.png"), "wb") as f:
        f.write(png_header_only(50000, 50000))
    add("header_50000x50000.png", "valid PNG signature + IHDR declaring 50000x50000 8-bit gray, ~64 bytes of IDAT: "
        "must be refused from the header (too many pixels) without allocating the raster", "generated")
    with open(os.path.join(out_dir, "header_zero_width.png"), "wb") as f:
        f.write(png_header_only(0, 16))
    add("header_zero_width.png", "PNG whose IHDR declares width 0 (invalid dimensions)", "generated")

    # BMP / GIF / WebP.
    _save(downscale(che, 256), os.path.join(out_dir, "chelsea.bmp"))
    add("chelsea.bmp", "24-bit BMP 256x170", "chelsea")
    frames = [downscale(cof, 160).quantize(colors=128), downscale(ast, 160).resize((160, 107)).quantize(colors=128)]
    frames[0].save(os.path.join(out_dir, "coffee_animated.gif"), save_all=True, append_images=frames[1:], duration=200,
                   loop=0)
    add("coffee_animated.gif", "animated GIF 160x107, 2 frames (first = coffee, second = astronaut); decode the first",
        "coffee, astronaut")
    try:
        _save(downscale(che, 128), os.path.join(out_dir, "chelsea_tiny.webp"), quality=80)
        add("chelsea_tiny.webp", "lossy WebP 128x85", "chelsea")
    except (OSError, KeyError, ValueError):
        pass
    with open(os.path.join(out_dir, "not_an_image.bin"), "wb") as f:
        f.write(b"this is not an image\n" * 4)
    add("not_an_image.bin", "plain text bytes (unsupported format)", "generated")
    return rows


def write_demo_samples(out_dir):
    """~12 demo images (<= 640 px) for topology/src/main/resources/samples."""
    rows = []
    specs = [
        ("astronaut.jpg", "astronaut", 512, dict(quality=85)),
        ("chelsea.jpg", "chelsea", 451, dict(quality=85)),
        ("coffee.jpg", "coffee", 600, dict(quality=82)),
        ("rocket.jpg", "rocket", 640, dict(quality=82)),
        ("hubble_deep_field.jpg", "hubble", 512, dict(quality=82)),
        ("retina.jpg", "retina", 480, dict(quality=82)),
        ("camera.png", "camera", 384, dict(optimize=True)),
        ("coins.png", "coins", 384, dict(optimize=True)),
        ("horse.png", "horse", 320, dict(optimize=True)),
        ("clock_motion.jpg", "clock", 400, dict(quality=85)),
        ("ihc.jpg", "ihc", 384, dict(quality=85)),
        ("brick.png", "brick", 256, dict(optimize=True)),
        ("gravel.webp", "gravel", 256, dict(quality=80)),
    ]
    for fname, name, side, kw in specs:
        im = downscale(load_source(name), side)
        if fname.endswith(".jpg") and im.mode not in ("RGB", "L"):
            im = im.convert("RGB")
        _save(im, os.path.join(out_dir, fname), **kw)
        rows.append((fname, "%dx%d %s" % (im.size[0], im.size[1], im.mode), name))
    return rows


def write_sources_md(path, title, rows, intro):
    lines = ["# " + title, "", intro, "", "| file | what | origin (scikit-image data file) | licence |", "|---|---|---|---|"]
    for fname, desc, origin in rows:
        if origin == "generated":
            src, lic = "generated by `anyup_export.samples`", "CC0 (project-generated)"
        else:
            names = [o.strip() for o in origin.split(",")]
            src = ", ".join("`%s`" % SOURCES[n][0] for n in names)
            lic = "; ".join(SOURCES[n][1] for n in names)
        lines.append("| `%s` | %s | %s | %s |" % (fname, desc, src, lic))
    lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main(test_images=None, demo=None):
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    test_images = test_images or os.path.join(repo, "models", "src", "test", "resources", "images")
    demo = demo or os.path.join(repo, "topology", "src", "main", "resources", "samples")
    rows = write_test_images(test_images)
    write_sources_md(os.path.join(test_images, "SOURCES.md"), "Test images (models)", rows,
                     "Decoder / validation / preprocessing test images. Photos come from Debian python3-skimage 0.19 "
                     "`skimage/data` (licences as stated in `skimage/data/_fetchers.py` docstrings), downscaled "
                     "(Lanczos) to <= 512 px where larger. Regenerate with "
                     "`cd models/export && /usr/bin/python3 -m anyup_export sample-images`.")
    rows = write_demo_samples(demo)
    write_sources_md(os.path.join(demo, "SOURCES.md"), "Demo sample images", rows,
                     "Images used by `anyup-streams demo`. From Debian python3-skimage 0.19 `skimage/data` (licences "
                     "as stated in `skimage/data/_fetchers.py` docstrings), downscaled (Lanczos) to <= 640 px. "
                     "Regenerate with `cd models/export && /usr/bin/python3 -m anyup_export sample-images`.")
