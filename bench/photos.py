#!/usr/bin/env python3
"""What the photos of one raise cost to check and re-encode: time and peak memory.

    .venv/bin/python bench/photos.py [--legacy]

Issue 16 (item 8): one API raise with nine 6300x6300 PNGs (under the 40-megapixel cap
each) took 15.7 s and 440 MB of a worker. ``tongxin.matters.photos`` now measures every
photo from its header first and refuses a request whose photos would decode to more
than ``TONGXIN_PHOTO_MAX_DECODED_PIXELS`` together, then decodes them one at a time,
cheaply (JPEG draft, integer reduce). Each scenario runs ``photos.clean_photos`` in a
fresh process on the same files; the table gives the wall time, the CPU time and the
peak resident memory above the process's own before the call. ``--legacy`` also runs the code as it
was before the fix (copied below) on each scenario, for comparison. Prints
figures, asserts nothing (bench/README.md).
"""

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image, ImageDraw, ImageOps  # noqa: E402

from tongxin.kernel.errors import ServiceError  # noqa: E402
from tongxin.matters import photos  # noqa: E402


def drawing(size):
    """Return an RGB image of ``size`` that compresses well, as the issue's 170 KB PNGs did."""
    image = Image.new("RGB", size, (200, 200, 200))
    draw = ImageDraw.Draw(image)
    for y in range(0, size[1], max(1, size[1] // 16)):
        draw.line([(0, y), (size[0], size[1] - y)], fill=(y % 255, 30, 90), width=3)
    return image


def write(folder, name, size, fmt):
    path = folder / f"{name}.{fmt.lower()}"
    if not path.exists():
        drawing(size).save(path, format=fmt)
    return path


def scenarios(folder):
    """Return {name: [paths]}: the issue's request, the worst ones accepted, a phone's."""
    budget, cap = photos.max_decoded_pixels(), photos.MAX_PIXELS
    count = photos.max_photos()
    side = math.isqrt(cap)  # the largest square under the per-photo cap
    big_png = write(folder, f"png-{side}", (side, side), "PNG")
    # A PNG is decoded in full: fill the budget with the largest, then what is left.
    fill, left = [], budget
    while left >= side * side and len(fill) < count:
        fill.append(big_png)
        left -= side * side
    rest = math.isqrt(left)
    if rest >= 16 and len(fill) < count:
        fill.append(write(folder, f"png-{rest}", (rest, rest), "PNG"))
    # A JPEG decodes at 1/2, 1/4 or 1/8 while that stays above the draft size: the
    # worst is the largest square just too small to be halved.
    draft_side = round(photos.MAX_SIDE * photos.DRAFT_SHARE)
    jpeg_side = 2 * draft_side - 1
    worst_jpeg = write(folder, f"jpeg-{jpeg_side}", (jpeg_side, jpeg_side), "JPEG")
    jpegs = min(count, budget // (jpeg_side * jpeg_side))
    phone = write(folder, "jpeg-4032x3024", (4032, 3024), "JPEG")
    return {
        f"the issue's request: {count} PNGs {side}x{side}": [big_png] * count,
        "worst accepted: PNGs filling the budget": fill,
        f"worst accepted: {jpegs} JPEGs {jpeg_side}x{jpeg_side}": [worst_jpeg] * jpegs,
        f"{count} phone photos, JPEG 4032x3024": [phone] * count,
    }


def legacy_clean_photo(upload):
    """The re-encoding as it was before issue 16: decode in full, copy, convert, resize."""
    upload.seek(0)
    with Image.open(upload) as probe:
        probe.load()
        image = ImageOps.exif_transpose(probe)
    image = image.convert("RGB")
    image.thumbnail((photos.MAX_SIDE, photos.MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), image.width, image.height


def peak_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def child(paths, legacy):
    """Run one scenario in this (fresh) process and print its figures as JSON."""
    uploads = [SimpleUploadedFile(Path(p).name, Path(p).read_bytes()) for p in paths]
    before = peak_kib()
    started, cpu = time.perf_counter(), time.process_time()
    outcome = "accepted"
    try:
        if legacy:
            [legacy_clean_photo(upload) for upload in uploads]
        else:
            photos.clean_photos(uploads)
    except ServiceError as error:
        outcome = f"refused ({error.code})"
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mib": (peak_kib() - before) / 1024,
                      "outcome": outcome}))


def run(paths, legacy=False):
    command = [sys.executable, __file__, "--child", *map(str, paths)]
    if legacy:
        command.append("--legacy")
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def decoded_megapixels(paths):
    total = 0
    for path in paths:
        with Image.open(path) as image:
            if image.format in photos.DRAFT_FORMATS:
                image.draft("RGB", photos._fit(image.size, photos.MAX_SIDE * photos.DRAFT_SHARE))
            total += image.width * image.height
    return total / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--legacy", action="store_true",
                        help="also run the code as it was before the fix")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return child(args.child, args.legacy)

    folder = Path(tempfile.gettempdir()) / "tongxin-bench-photos"
    folder.mkdir(exist_ok=True)
    print(f"Budget {photos.max_decoded_pixels() / 1e6:g} megapixels decoded per request, "
          f"at most {photos.max_photos()} photos of {photos.MAX_PIXELS / 1e6:g} megapixels; "
          f"files in {folder}")
    rows = []
    for name, paths in scenarios(folder).items():
        figures = run(paths)
        size_kib = sum(Path(p).stat().st_size for p in paths) / 1024
        rows.append((name, len(paths), size_kib, decoded_megapixels(paths), figures))
        if args.legacy:
            rows.append(("  before the fix", len(paths), size_kib, float("nan"),
                         run(paths, legacy=True)))
    print(f"{'scenario':48} {'photos':>6} {'KiB':>8} {'decoded MP':>10} {'seconds':>8} "
          f"{'CPU s':>6} {'peak MiB':>9}  outcome")
    for name, count, size_kib, megapixels, figures in rows:
        print(f"{name:48} {count:6d} {size_kib:8.0f} {megapixels:10.1f} "
              f"{figures['seconds']:8.2f} {figures['cpu']:6.2f} {figures['peak_mib']:9.0f}  "
              f"{figures['outcome']}")
    accepted = [row for row in rows if row[4]["outcome"] == "accepted"
                and not row[0].startswith("  ")]
    worst = max(accepted, key=lambda row: row[4]["cpu"])
    print(f"\nWorst accepted case: {worst[0]}: {worst[4]['seconds']:.2f} s "
          f"({worst[4]['cpu']:.2f} s of CPU), {worst[4]['peak_mib']:.0f} MiB above the "
          "worker's own peak. Seconds count waiting for a busy machine's CPU; CPU s do not.")


if __name__ == "__main__":
    main()
