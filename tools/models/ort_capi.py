"""Run a string-input classifier through libonnxruntime.so's C API (ctypes), as the engine will.

The Python `onnxruntime` binding does not link libonnxruntime.so, so a Python check alone does not
prove the shared library loads the model (e.g. the StringNormalizer locale trap). This module dlopens
the library, asks for API version 17 (the floor of the `ort` crate without `api-*` features), creates
a session with one intra-op thread, feeds a string tensor [N,1] named `text` and reads `label`
(int64 [N]) and `probabilities` (float [N,C]), checking the output element types and shapes.

OrtApi function-table indices below are the slot numbers of onnxruntime_c_api.h's `OrtApi` (the order
of ort-sys 2.0.0-rc.15's `OrtApi` struct, counting one slot per field; a few fields there are declared
twice under wasm/non-wasm `#[cfg]`, and KernelInfoGetAttribute_int64 (86) spans lines, so counting
`pub` lines naively is off by one from slot 86 on: ReleaseValue is 96, not 95).

Usage: python ort_capi.py LIBONNXRUNTIME_SO MODEL.onnx "text one" "text two" ...
"""
import ctypes as C
import sys

P = C.c_void_p
I_GET_ERROR_MESSAGE = 2
I_CREATE_ENV = 3
I_CREATE_SESSION = 7
I_RUN = 9
I_CREATE_SESSION_OPTIONS = 10
I_SET_INTRA_OP_NUM_THREADS = 24
I_CREATE_TENSOR_AS_ORT_VALUE = 48
I_GET_TENSOR_MUTABLE_DATA = 51
I_FILL_STRING_TENSOR = 52
I_GET_TENSOR_ELEMENT_TYPE = 60
I_GET_DIMENSIONS_COUNT = 61
I_GET_DIMENSIONS = 62
I_GET_TENSOR_TYPE_AND_SHAPE = 65
I_GET_ALLOCATOR_WITH_DEFAULT_OPTIONS = 78
I_RELEASE_ENV = 92
I_RELEASE_SESSION = 95
I_RELEASE_VALUE = 96
I_RELEASE_TENSOR_TYPE_AND_SHAPE_INFO = 99
I_RELEASE_SESSION_OPTIONS = 100
ELEM_FLOAT = 1
ELEM_STRING = 8
ELEM_INT64 = 7
API_VERSION = 17


class _Base(C.Structure):
    _fields_ = [("GetApi", C.CFUNCTYPE(P, C.c_uint32)), ("GetVersionString", C.CFUNCTYPE(C.c_char_p))]


class CapiError(RuntimeError):
    pass


class CapiSession:
    """One session on one model through the C API."""

    def __init__(self, lib_path, model_path):
        self.lib = C.CDLL(lib_path)
        self.lib.OrtGetApiBase.restype = C.POINTER(_Base)
        base = self.lib.OrtGetApiBase().contents
        self.version = base.GetVersionString().decode()
        api = base.GetApi(API_VERSION)
        if not api:
            raise CapiError(f"{lib_path}: GetApi({API_VERSION}) returned NULL (version {self.version})")
        self.api = C.cast(api, C.POINTER(P))
        self._err_msg = C.CFUNCTYPE(C.c_char_p, P)(self.api[I_GET_ERROR_MESSAGE])
        self.env, self.opts, self.sess = P(), P(), P()
        self._call(I_CREATE_ENV, [C.c_int, C.c_char_p, C.POINTER(P)], 3, b"train_sentiment", C.byref(self.env))
        self._call(I_CREATE_SESSION_OPTIONS, [C.POINTER(P)], C.byref(self.opts))
        self._call(I_SET_INTRA_OP_NUM_THREADS, [P, C.c_int], self.opts, 1)
        self._call(I_CREATE_SESSION, [P, C.c_char_p, P, C.POINTER(P)], self.env,
                   model_path.encode(), self.opts, C.byref(self.sess))
        self.alloc = P()
        self._call(I_GET_ALLOCATOR_WITH_DEFAULT_OPTIONS, [C.POINTER(P)], C.byref(self.alloc))

    def _fn(self, index, argtypes, restype=P):
        return C.CFUNCTYPE(restype, *argtypes)(self.api[index])

    def _call(self, index, argtypes, *args):
        status = self._fn(index, argtypes)(*args)
        if status:
            raise CapiError(f"OrtApi[{index}] failed: {self._err_msg(status).decode()}")

    def _release(self, index, handle):
        self._fn(index, [P], None)(handle)

    def _shape(self, value):
        info = P()
        self._call(I_GET_TENSOR_TYPE_AND_SHAPE, [P, C.POINTER(P)], value, C.byref(info))
        elem, ndim = C.c_int(), C.c_size_t()
        self._call(I_GET_TENSOR_ELEMENT_TYPE, [P, C.POINTER(C.c_int)], info, C.byref(elem))
        self._call(I_GET_DIMENSIONS_COUNT, [P, C.POINTER(C.c_size_t)], info, C.byref(ndim))
        dims = (C.c_int64 * ndim.value)()
        self._call(I_GET_DIMENSIONS, [P, C.POINTER(C.c_int64), C.c_size_t], info, dims, ndim)
        self._release(I_RELEASE_TENSOR_TYPE_AND_SHAPE_INFO, info)
        return elem.value, list(dims)

    def run(self, texts):
        """texts (list of str) -> (labels list[int], probabilities list[list[float]])."""
        n = len(texts)
        shape = (C.c_int64 * 2)(n, 1)
        val = P()
        self._call(I_CREATE_TENSOR_AS_ORT_VALUE, [P, C.POINTER(C.c_int64), C.c_size_t, C.c_int, C.POINTER(P)],
                   self.alloc, shape, 2, ELEM_STRING, C.byref(val))
        arr = (C.c_char_p * n)(*[t.encode("utf-8") for t in texts])
        self._call(I_FILL_STRING_TENSOR, [P, C.POINTER(C.c_char_p), C.c_size_t], val, arr, n)
        in_names = (C.c_char_p * 1)(b"text")
        out_names = (C.c_char_p * 2)(b"label", b"probabilities")
        outs = (P * 2)()
        ins = (P * 1)(val)
        self._call(I_RUN, [P, P, C.POINTER(C.c_char_p), C.POINTER(P), C.c_size_t, C.POINTER(C.c_char_p),
                           C.c_size_t, C.POINTER(P)], self.sess, None, in_names, ins, 1, out_names, 2, outs)
        (le, ld), (pe, pd) = self._shape(outs[0]), self._shape(outs[1])
        if le != ELEM_INT64 or ld != [n] or pe != ELEM_FLOAT or len(pd) != 2 or pd[0] != n:
            raise CapiError(f"unexpected outputs: label type {le} shape {ld}, probabilities type {pe} shape {pd}")
        k = pd[1]
        lp, pp = P(), P()
        self._call(I_GET_TENSOR_MUTABLE_DATA, [P, C.POINTER(P)], outs[0], C.byref(lp))
        self._call(I_GET_TENSOR_MUTABLE_DATA, [P, C.POINTER(P)], outs[1], C.byref(pp))
        lab = C.cast(lp, C.POINTER(C.c_int64))
        prob = C.cast(pp, C.POINTER(C.c_float))
        labels = [int(lab[i]) for i in range(n)]
        probs = [[float(prob[k * i + j]) for j in range(k)] for i in range(n)]
        for v in (val, outs[0], outs[1]):
            self._release(I_RELEASE_VALUE, v)
        return labels, probs

    def close(self):
        self._release(I_RELEASE_SESSION, self.sess)
        self._release(I_RELEASE_SESSION_OPTIONS, self.opts)
        self._release(I_RELEASE_ENV, self.env)


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        raise SystemExit(2)
    s = CapiSession(sys.argv[1], sys.argv[2])
    labels, probs = s.run(sys.argv[3:])
    print("onnxruntime", s.version)
    for t, lab, pr in zip(sys.argv[3:], labels, probs):
        print(f"{lab} {[round(x, 4) for x in pr]} {t!r}")
    s.close()


if __name__ == "__main__":
    main()
