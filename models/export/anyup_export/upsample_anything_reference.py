"""Runs the upstream Upsample Anything code (seominseok0429/Upsample-Anything_Pytorch, its files unmodified) on CPU
and writes the inputs and outputs the Java side compares against (docs/upsamplers.md).

Upstream's ``UPA`` moves everything to CUDA and runs under float16 autocast; this wrapper patches, in this process
only, ``.cuda()`` to the identity and autocast/GradScaler to off, so the same code runs on CPU in float32 (or, with
``--float64``, with every float32 it names made float64: the reference for how much float32 rounding alone moves the
fit). Fewer steps than upstream's 51 leave its loop early and run its tail (eval mode, inference) as it does.

    /usr/bin/python3 -m anyup_export.upsample_anything_reference --upstream-source DIR --photo P.png --size 224 \\
        --steps 51 --channels 384 --out /tmp/ua-ref/cmp/astronaut224

writes OUT_guide.npy [3,S,S] (uint8/255, float32), OUT_features.npy [C,S/14,S/14] (seeded normal, seed 1234),
OUT_out.npy [C,S,S], OUT_params.npy [4,h,w] (raw sx, sy, theta, sr), OUT_losses.npy and OUT_meta.json (times, peak
RSS, commit if the source is a git checkout).
"""
import argparse
import contextlib
import json
import resource
import subprocess
import sys
import time
import types

import numpy as np


class _Stop(Exception):
    pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--upstream-source', required=True, help='checkout of Upsample-Anything_Pytorch')
    ap.add_argument('--photo', required=True)
    ap.add_argument('--size', type=int, default=224)
    ap.add_argument('--steps', type=int, default=51)
    ap.add_argument('--channels', type=int, default=384)
    ap.add_argument('--patch', type=int, default=14)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--float64', action='store_true')
    ap.add_argument('--out', required=True, help='output prefix')
    a = ap.parse_args(argv)

    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from PIL import Image
    torch.set_num_threads(a.threads)
    sys.path.insert(0, a.upstream_source + '/src')
    if 'torchvision' not in sys.modules:  # upstream imports it for its DINOv2 helper only
        tv = types.ModuleType('torchvision')
        tv.transforms = types.ModuleType('torchvision.transforms')
        sys.modules['torchvision'] = tv
        sys.modules['torchvision.transforms'] = tv.transforms
    torch.Tensor.cuda = lambda self, *x, **k: self
    nn.Module.cuda = lambda self, *x, **k: self
    torch.cuda.amp.autocast = lambda *x, **k: contextlib.nullcontext()
    scaler = torch.cuda.amp.GradScaler
    torch.cuda.amp.GradScaler = lambda *x, **k: scaler(enabled=False)
    f32 = torch.float32
    if a.float64:
        torch.set_default_dtype(torch.float64)
        torch.float32 = torch.float64
        torch.Tensor.float = torch.Tensor.double
    import upsample_anything as ua

    losses = []
    l1 = F.l1_loss

    def counting_l1(x, y, *r, **k):
        if len(losses) == a.steps:
            raise _Stop()
        v = l1(x, y, *r, **k)
        losses.append(float(v))
        return v

    F.l1_loss = counting_l1
    ua.F.l1_loss = counting_l1
    seen = {}

    class Capturing(ua.LearnablePixelwiseAnisoJBU_NoParent):
        def __init__(self, *x, **k):
            super().__init__(*x, **k)
            seen['model'] = self

        def eval(self):
            seen['params'] = [p.detach().clone() for p in (self.sx_raw, self.sy_raw, self.th_raw, self.sr_raw)]
            seen['t_eval'] = time.time()
            return super().eval()

    ua.LearnablePixelwiseAnisoJBU_NoParent = Capturing
    img = Image.open(a.photo).convert('RGB').resize((a.size, a.size), Image.BICUBIC)
    h = a.size // a.patch
    feat = torch.randn(1, a.channels, h, h, generator=torch.Generator().manual_seed(1234), dtype=f32)
    if a.float64:
        feat = feat.double()
    t0 = time.time()
    try:
        out = ua.UPA(img, feat)
    except _Stop:  # the tail of UPA
        m = seen['model']
        m.eval()
        guide = torch.from_numpy(np.array(img)).permute(2, 0, 1).unsqueeze(0).float() / 255.0
        with torch.inference_mode():
            out = m(feat, guide)
    t1 = time.time()
    guide = np.array(img).astype(np.float32).transpose(2, 0, 1) / np.float32(255.0)
    np.save(a.out + '_guide.npy', guide.astype('<f4'))
    np.save(a.out + '_features.npy', feat[0].float().numpy().astype('<f4'))
    np.save(a.out + '_out.npy', out[0].detach().float().numpy().astype('<f4'))
    np.save(a.out + '_params.npy', np.stack([p[0, 0].float().numpy() for p in seen['params']]).astype('<f4'))
    np.save(a.out + '_losses.npy', np.array(losses, dtype='<f4'))
    try:
        commit = subprocess.run(['git', '-C', a.upstream_source, 'rev-parse', 'HEAD'], capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ''
    json.dump({'photo': a.photo, 'size': a.size, 'steps': len(losses), 'channels': a.channels,
               'float64': a.float64, 'threads': a.threads, 'torch': torch.__version__, 'upstream_commit': commit,
               'fit_s': seen['t_eval'] - t0, 'apply_s': t1 - seen['t_eval'], 'total_s': t1 - t0,
               'peak_rss_gb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6},
              open(a.out + '_meta.json', 'w'), indent=1)
    print('wrote', a.out, '%.1f s' % (t1 - t0))


if __name__ == '__main__':
    main()
