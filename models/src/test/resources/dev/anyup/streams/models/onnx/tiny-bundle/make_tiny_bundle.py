"""Builds the tiny test bundle next to this file (run with Debian's /usr/bin/python3: needs onnx + numpy, no torch).

encoder_S.onnx: image [B,3,S,S] -> AveragePool(14) -> 1x1 Conv (8 channels) -> patch_features [B,8,S/14,S/14];
cls = spatial mean [B,8]. upsampler_S.onnx: ONNX Resize (linear, half_pixel) of features to S x S (ignores the image).
encoder_bad_rank.onnx: like encoder_28 but cls keeps its spatial dims (rank 4) - for the contract-check test.
encoder_batch1.onnx: like encoder_28 with a static batch axis of 1 (as many exporters write) - for the chunking test.
References for S=28 are computed here with numpy (the same maths), so Java's verify() is checked independently of ORT.
"""
import hashlib, json
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

C, P = 8, 14
W = np.random.RandomState(0).randn(C, 3, 1, 1).astype(np.float32)


def enc(S, cls_keepdims=0, batch='B'):
    nodes = [helper.make_node('AveragePool', ['image'], ['pooled'], kernel_shape=[P, P], strides=[P, P]),
             helper.make_node('Conv', ['pooled', 'W'], ['patch_features']),
             helper.make_node('ReduceMean', ['patch_features'], ['cls'], axes=[2, 3], keepdims=cls_keepdims)]
    cls_shape = [batch, C, 1, 1] if cls_keepdims else [batch, C]
    g = helper.make_graph(nodes, 'enc', [helper.make_tensor_value_info('image', TensorProto.FLOAT, [batch, 3, S, S])],
                          [helper.make_tensor_value_info('patch_features', TensorProto.FLOAT, [batch, C, S // P, S // P]),
                           helper.make_tensor_value_info('cls', TensorProto.FLOAT, cls_shape)],
                          [numpy_helper.from_array(W, 'W')])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
    m.ir_version = 8
    return m


def ups(S):
    nodes = [helper.make_node('Shape', ['features'], ['fs']),
             helper.make_node('Slice', ['fs', 's0', 's1'], ['bc']),
             helper.make_node('Concat', ['bc', 'hw'], ['sizes'], axis=0),
             helper.make_node('Resize', ['features', '', '', 'sizes'], ['upsampled'], mode='linear')]
    g = helper.make_graph(nodes, 'up', [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['B', 3, S, S]),
                                        helper.make_tensor_value_info('features', TensorProto.FLOAT, ['B', C, S // P, S // P])],
                          [helper.make_tensor_value_info('upsampled', TensorProto.FLOAT, ['B', C, S, S])],
                          [numpy_helper.from_array(np.array([0], dtype=np.int64), 's0'),
                           numpy_helper.from_array(np.array([2], dtype=np.int64), 's1'),
                           numpy_helper.from_array(np.array([S, S], dtype=np.int64), 'hw')])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
    m.ir_version = 8
    return m


def sha(f):
    return hashlib.sha256(open(f, 'rb').read()).hexdigest()


def bilinear_half_pixel(x, out):
    """[C,h,w] -> [C,out,out], align_corners=False, edge clamp (ONNX Resize linear half_pixel)."""
    c, h, w = x.shape
    def axis(n_in):
        src = np.clip((np.arange(out) + 0.5) * n_in / out - 0.5, 0, n_in - 1)
        i0 = np.floor(src).astype(int)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, (src - i0).astype(np.float32)
    y0, y1, fy = axis(h)
    x0, x1, fx = axis(w)
    top = x[:, y0][:, :, x0] * (1 - fx) + x[:, y0][:, :, x1] * fx
    bot = x[:, y1][:, :, x0] * (1 - fx) + x[:, y1][:, :, x1] * fx
    return top * (1 - fy)[None, :, None] + bot * fy[None, :, None]


prof, uprof = [], []
for S in (28, 56):
    onnx.save(enc(S), f'encoder_{S}.onnx')
    onnx.save(ups(S), f'upsampler_{S}.onnx')
    prof.append({"input_size": S, "file": f"encoder_{S}.onnx", "sha256": sha(f"encoder_{S}.onnx")})
    uprof.append({"input_size": S, "feature_size": S // P, "output_size": S, "file": f"upsampler_{S}.onnx",
                  "sha256": sha(f"upsampler_{S}.onnx")})
onnx.save(enc(28, cls_keepdims=1), 'encoder_bad_rank.onnx')
onnx.save(enc(28, batch=1), 'encoder_batch1.onnx')

pca = np.random.RandomState(1).randn(4, C).astype(np.float32)
np.save('pca4.npy', pca)
np.save('pca4_mean.npy', np.zeros(C, np.float32))

S = 28
img = np.random.RandomState(2).randn(1, 3, S, S).astype(np.float32)
pooled = img.reshape(1, 3, S // P, P, S // P, P).mean(axis=(3, 5))
pf = np.einsum('oc,bchw->bohw', W[:, :, 0, 0], pooled).astype(np.float32)
cls = pf.mean(axis=(2, 3)).astype(np.float32)
up = bilinear_half_pixel(pf[0], S)[None].astype(np.float32)
np.save('ref_28_image.npy', img)
np.save('ref_28_patch_features.npy', pf)
np.save('ref_28_cls.npy', cls)
np.save('ref_28_upsampled.npy', np.ascontiguousarray(up.astype(np.float16)))  # float16 on purpose: exercises the <f2 reader

man = {"format_version": 1, "name": "tiny", "version": "0.0.1", "description": "unit-test bundle",
       "preprocess": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "interpolation": "bilinear-antialias"},
       "encoder": {"name": "tiny-enc", "version": "1", "licence": "Apache-2.0", "patch_size": P, "channels": C, "has_cls": True,
                   "inputs": {"image": "image"}, "outputs": {"patch_features": "patch_features", "cls": "cls"},
                   "profiles": prof},
       "upsampler": {"name": "tiny-up", "version": "1", "licence": "Apache-2.0", "kind": "onnx",
                     "inputs": {"image": "image", "features": "features"}, "outputs": {"upsampled": "upsampled"},
                     "profiles": uprof},
       "projections": [{"id": "pca4", "in_channels": C, "out_channels": 4, "file": "pca4.npy",
                        "mean_file": "pca4_mean.npy", "sha256": sha('pca4.npy')}],
       "references": [{"input_size": 28, "image": "ref_28_image.npy", "patch_features": "ref_28_patch_features.npy",
                       "cls": "ref_28_cls.npy", "upsampled": "ref_28_upsampled.npy", "atol": 1e-2}]}
json.dump(man, open('manifest.json', 'w'), indent=1)
