import onnx, numpy as np, hashlib, json, os
from onnx import helper, TensorProto, numpy_helper
def enc(S, p=14, C=8):
    W = np.random.RandomState(0).randn(C,3,1,1).astype(np.float32)
    nodes=[helper.make_node('AveragePool',['image'],['pooled'],kernel_shape=[p,p],strides=[p,p]),
           helper.make_node('Conv',['pooled','W'],['patch_features']),
           helper.make_node('ReduceMean',['patch_features'],['cls'],axes=[2,3],keepdims=0)]
    g=helper.make_graph(nodes,'enc',[helper.make_tensor_value_info('image',TensorProto.FLOAT,['B',3,S,S])],
      [helper.make_tensor_value_info('patch_features',TensorProto.FLOAT,['B',C,S//p,S//p]),helper.make_tensor_value_info('cls',TensorProto.FLOAT,['B',C])],
      [numpy_helper.from_array(W,'W')])
    m=helper.make_model(g,opset_imports=[helper.make_opsetid('',13)]); m.ir_version=8
    return m
def ups(S,p=14,C=8):
    sizes=np.array([1,C,S,S],dtype=np.int64)
    nodes=[helper.make_node('Shape',['features'],['fs']),
           helper.make_node('Slice',['fs','s0','s1'],['bc']),
           helper.make_node('Concat',['bc','hw'],['sizes'],axis=0),
           helper.make_node('Resize',['features','','','sizes'],['upsampled'],mode='linear')]
    g=helper.make_graph(nodes,'up',[helper.make_tensor_value_info('image',TensorProto.FLOAT,['B',3,S,S]),helper.make_tensor_value_info('features',TensorProto.FLOAT,['B',C,S//p,S//p])],
      [helper.make_tensor_value_info('upsampled',TensorProto.FLOAT,['B',C,S,S])],
      [numpy_helper.from_array(np.array([0],dtype=np.int64),'s0'),numpy_helper.from_array(np.array([2],dtype=np.int64),'s1'),numpy_helper.from_array(np.array([S,S],dtype=np.int64),'hw')])
    m=helper.make_model(g,opset_imports=[helper.make_opsetid('',13)]); m.ir_version=8
    return m
def sha(f): return hashlib.sha256(open(f,'rb').read()).hexdigest()
prof=[];uprof=[]
for S in (28,56):
    onnx.save(enc(S),f'encoder_{S}.onnx'); onnx.save(ups(S),f'upsampler_{S}.onnx')
    onnx.checker.check_model(f'encoder_{S}.onnx')
    prof.append({"input_size":S,"file":f"encoder_{S}.onnx","sha256":sha(f"encoder_{S}.onnx")})
    uprof.append({"input_size":S,"feature_size":S//14,"output_size":S,"file":f"upsampler_{S}.onnx","sha256":sha(f"upsampler_{S}.onnx")})
pca=np.random.RandomState(1).randn(4,8).astype(np.float32); np.save('pca4.npy',pca); np.save('pca4_mean.npy',np.zeros(8,np.float32))
man={"format_version":1,"name":"tiny","version":"0.0.1","description":"test","preprocess":{"mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225],"interpolation":"bilinear-antialias"},
 "encoder":{"name":"tiny-enc","version":"1","licence":"x","patch_size":14,"channels":8,"has_cls":True,"inputs":{"image":"image"},"outputs":{"patch_features":"patch_features","cls":"cls"},"profiles":prof},
 "upsampler":{"name":"tiny-up","version":"1","licence":"x","kind":"onnx","inputs":{"image":"image","features":"features"},"outputs":{"upsampled":"upsampled"},"profiles":uprof},
 "projections":[{"id":"pca4","in_channels":8,"out_channels":4,"file":"pca4.npy","mean_file":"pca4_mean.npy","sha256":sha('pca4.npy')}],"references":[]}
json.dump(man,open('manifest.json','w'),indent=1)
