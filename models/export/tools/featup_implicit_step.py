"""Times upstream FeatUp's implicit per-image optimisation step (docs/upsamplers.md, "FeatUp JBU stack":
why the implicit variant is not offered for streams).

Usage: /usr/bin/python3 tools/featup_implicit_step.py FEATUP_CLONE [STEPS]   (STEPS default 3; the first is a warm-up)

The step (featup/train_implicit_upsampler.py, config
implicit_upsampler.yaml: n_freqs 30, color_feats, proj_dim 128, attention downsampler kernel 29 -> 16x16 (dinov2),
inner batch 10, max_pad 30, max_zoom 1.8, flips, mag/mag_tv/blur_pin losses, NAdam) on this CPU, float32.
Stand-ins (timing only): kornia's gaussian_blur2d (a depthwise 5x5 Gaussian conv, sigma 1), Tensor.cuda (identity),
the 3000 jittered DINOv2 target features after the PCA to 128 (200 random [128,16,16] maps, drawn from as 3000)."""
import sys, time, types, random
import torch, torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
torch.set_num_threads(2)
def blur(x, k, s):
    g = torch.exp(-(torch.arange(5) - 2.0) ** 2 / (2 * s[0] ** 2)); g = g / g.sum()
    w = (g[:, None] * g[None]).expand(x.shape[1], 1, 5, 5)
    return F.conv2d(F.pad(x, [2] * 4, mode="reflect"), w, groups=x.shape[1])
kf = types.ModuleType("kornia.filters"); kf.gaussian_blur2d = blur
sys.modules["kornia"] = types.ModuleType("kornia"); sys.modules["kornia.filters"] = kf
torch.Tensor.cuda = lambda self, *a, **k: self
torch.nn.Module.cuda = lambda self, *a, **k: self
for name in ("adaptive_conv_cpp_impl", "adaptive_conv_cuda_impl"):
    sys.modules[name] = types.ModuleType(name)
from featup.layers import ImplicitFeaturizer, MinMaxScaler, ChannelNorm
from featup.downsamplers import AttentionDownsampler
from featup.datasets.JitteredImage import apply_jitter, sample_transform
from featup.losses import total_variation
n_freqs, proj_dim, max_pad, max_zoom, inner = 30, 128, 30, 1.8, 10
start_dim = 5 * n_freqs * 2 + 3
up = torch.nn.Sequential(MinMaxScaler(), ImplicitFeaturizer(True, n_freqs=n_freqs, learn_bias=True), ChannelNorm(start_dim),
    torch.nn.Dropout2d(p=.2), torch.nn.Conv2d(start_dim, proj_dim, 1), torch.nn.ReLU(), torch.nn.Dropout2d(p=.2),
    ChannelNorm(proj_dim), torch.nn.Conv2d(proj_dim, proj_dim, 1), torch.nn.ReLU(), torch.nn.Conv2d(proj_dim, proj_dim, 1))
down = AttentionDownsampler(proj_dim + 1, 29, 16, True)
det = torch.nn.Conv2d(proj_dim, 1, 1)
opt = torch.optim.NAdam([{"params": up.parameters()}, {"params": down.parameters()}, {"params": det.parameters()}])
img = torch.randn(1, 3, 224, 224)
n_images = 3000
tps = [sample_transform(True, max_pad, max_zoom, 224, 224) for _ in range(n_images)]
jit = torch.randn(200, proj_dim, 16, 16)
mag = lambda t: t.square().sum(1, keepdim=True).sqrt()
times, cpus = [], []
for step in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3):
    t = time.time(); c = time.process_time()
    up.train(); down.train()
    hr = up(img); hm = mag(hr); both = torch.cat([hm, hr], 1)
    target, tr = [], []
    for j in range(inner):
        idx = random.randrange(n_images)
        target.append(jit[idx % 200][None]); tr.append(apply_jitter(both, max_pad, tps[idx]))
    target = torch.cat(target); tr = torch.cat(tr)
    ob = down(tr, None); out = ob[:, 1:]
    scales = torch.exp(det(target) + .1).clamp_min(1e-4)
    loss = ((1 / (2 * scales ** 2)) * (out - target).square() + scales.log()).mean()
    loss = loss + 0.001 * (ob[:, :1] - mag(target)).square().mean() + 0.05 * total_variation(hm)
    loss = loss + 0.1 * (blur(hr, 5, (1.0, 1.0)) - hr).square().mean()
    loss.backward(); opt.step(); opt.zero_grad()
    times.append(time.time() - t); cpus.append(time.process_time() - c)
    print("step %d: %.2f s wall, %.2f s CPU (2 threads)" % (step, times[-1], cpus[-1]), flush=True)
med = sorted(times[1:])[len(times[1:]) // 2]
print("median step (excluding the first) %.2f s -> 1200 steps %.0f s = %.1f min" % (med, med * 1200, med * 1200 / 60))
cm = sorted(cpus[1:])[len(cpus[1:]) // 2]
print("median CPU per step %.2f s -> 1200 steps %.0f CPU-s; on 2 idle cores >= %.1f min" % (cm, cm * 1200, cm * 1200 / 2 / 60))
