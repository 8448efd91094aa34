#!/usr/bin/env python3
"""Expected values of the kiln-to-linalg execution tests, in plain python3.

Each test file's functions under test are written by hand; this script
rewrites everything from `func.func @main` on: the constants, the calls, the
printMemrefF32 prints and the CHECK lines, from the references below (float64
loop nests and formulas, independent of the lowering). Run it after changing
a test's inputs:

    python3 test/compiler/Conversion/KilnToLinalg/exec/expected.py

printMemrefF32 prints 6 significant digits; where float32 rounding (relative
`tol`) could change the last ones, the CHECK keeps only the stable digits.
"""
import copy
import math
import os
import re
import struct


# Printing and FileCheck patterns.

def f32(x): return struct.unpack('f', struct.pack('f', x))[0]
def fmt(x):
    s = '%g' % f32(x)
    return '0' if s == '-0' else s

def shape(a):
    s = []
    while isinstance(a, list):
        s.append(len(a)); a = a[0] if a else None
    return s

def _full(c):
    """A %g print padded with trailing zeros to 6 significant digits."""
    neg = c.startswith('-'); body = c.lstrip('-')
    if '.' not in body: body += '.'
    digits = body.replace('.', '').lstrip('0')
    return ('-' if neg else '') + body + '0' * max(6 - len(digits), 0)

def _sig(p):
    return sum(ch.isdigit() for ch in p.lstrip('-').lstrip('0.'))

def esc(v):
    return v.replace('.', '\\.').replace('+', '\\+')

def _prefix_regex(p):
    """Matches the prints (trailing zeros stripped) whose full form starts with p."""
    core = p.rstrip('0'); zeros = p[len(core):]
    if core.endswith('.'):
        core, zeros = core[:-1], '.' + zeros
    if not zeros:
        return esc(core) + '[0-9]*'
    return esc(core) + '(' + esc(zeros) + '[0-9]*)?'

def num(x, tol=0.0):
    """A FileCheck pattern for x: exact when f32 noise (relative `tol`)
    cannot change the 6-digit print, else the digits that noise leaves."""
    c = sorted(set(fmt(x * (1 + tol * (k / 50.0 - 1))) for k in range(101)), key=float)
    if len(c) == 1:
        return c[0]
    if any('e' in v for v in c):
        return '{{(' + '|'.join(esc(v) for v in c) + ')}}'
    groups = []
    for f in (_full(v) for v in c):
        if groups and _sig(os.path.commonprefix([groups[-1], f])) >= 3:
            groups[-1] = os.path.commonprefix([groups[-1], f])
        else:
            groups.append(f)
    rs = [_prefix_regex(g) for g in groups]
    return '{{' + (rs[0] if len(rs) == 1 else '(' + '|'.join(rs) + ')') + '}}'

def rows(a, tol=0.0):
    """CHECK-NEXT lines as printMemrefF32 prints innermost rows."""
    if not isinstance(a, list):
        return ['[' + num(a, tol) + ']']
    if not isinstance(a[0], list):
        return ['[' + ', '.join(num(v, tol) for v in a) + ']']
    out = []
    for sub in a:
        out += rows(sub, tol)
    return out

def check(a, prefix='CHECK', tol=0.0):
    lines = ['// %s: data =' % prefix]
    for r in rows(a, tol):
        lines.append('// %s-NEXT: %s' % (prefix, r))
    return '\n'.join(lines)

# References: loop nests over nested lists.

def zeros(*s):
    if len(s) == 1: return [0.0] * s[0]
    return [zeros(*s[1:]) for _ in range(s[0])]

def window(inp, k, s, same):
    if same:
        out = -(-inp // s)
        total = max((out - 1) * s + k - inp, 0)
        return out, total // 2
    return (inp - k) // s + 1, 0

def conv2d(x, k, strides, same, bias=None):
    N, H, W, C = shape(x); KH, KW, _, F = shape(k)
    OH, ph = window(H, KH, strides[0], same); OW, pw = window(W, KW, strides[1], same)
    y = zeros(N, OH, OW, F)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for f in range(F):
                    acc = bias[f] if bias else 0.0
                    for i in range(KH):
                        for j in range(KW):
                            h = oh * strides[0] + i - ph; w = ow * strides[1] + j - pw
                            if 0 <= h < H and 0 <= w < W:
                                for c in range(C):
                                    acc += x[n][h][w][c] * k[i][j][c][f]
                    y[n][oh][ow][f] = acc
    return y

def conv2d_input_grad(dy, k, H, W, strides, same):
    N, OH, OW, F = shape(dy); KH, KW, C, _ = shape(k)
    _, ph = window(H, KH, strides[0], same); _, pw = window(W, KW, strides[1], same)
    dx = zeros(N, H, W, C)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for f in range(F):
                    for i in range(KH):
                        for j in range(KW):
                            h = oh * strides[0] + i - ph; w = ow * strides[1] + j - pw
                            if 0 <= h < H and 0 <= w < W:
                                for c in range(C):
                                    dx[n][h][w][c] += dy[n][oh][ow][f] * k[i][j][c][f]
    return dx

def conv2d_kernel_grad(x, dy, KH, KW, strides, same):
    N, H, W, C = shape(x); _, OH, OW, F = shape(dy)
    _, ph = window(H, KH, strides[0], same); _, pw = window(W, KW, strides[1], same)
    dk = zeros(KH, KW, C, F)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for f in range(F):
                    for i in range(KH):
                        for j in range(KW):
                            h = oh * strides[0] + i - ph; w = ow * strides[1] + j - pw
                            if 0 <= h < H and 0 <= w < W:
                                for c in range(C):
                                    dk[i][j][c][f] += x[n][h][w][c] * dy[n][oh][ow][f]
    return dk

def max_pool(x, pool, strides, same, grad_dy=None):
    N, H, W, C = shape(x)
    OH, ph = window(H, pool[0], strides[0], same); OW, pw = window(W, pool[1], strides[1], same)
    y = zeros(N, OH, OW, C); dx = zeros(N, H, W, C)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for c in range(C):
                    best = -math.inf; at = None
                    for i in range(pool[0]):
                        for j in range(pool[1]):
                            h = oh * strides[0] + i - ph; w = ow * strides[1] + j - pw
                            if 0 <= h < H and 0 <= w < W and x[n][h][w][c] > best:
                                best = x[n][h][w][c]; at = (h, w)
                    y[n][oh][ow][c] = best
                    if grad_dy is not None and at:
                        dx[n][at[0]][at[1]][c] += grad_dy[n][oh][ow][c]
    return dx if grad_dy is not None else y

def flat(a):
    return [v for sub in a for v in flat(sub)] if isinstance(a, list) else [a]

def dot(a, b):
    return sum(x * y for x, y in zip(flat(a), flat(b)))

# Building @main.

def mlir_lit(a, elem='f32'):
    def r(v):
        if isinstance(v, list): return '[' + ', '.join(r(x) for x in v) + ']'
        if elem.startswith('f'):
            return '0x7FC00000' if v != v else repr(float(v))  # NaN as its bits
        return str(int(v))
    return 'dense<%s> : %s' % (r(a), ttype(shape(a), elem))

def ttype(s, elem='f32', dyn0=False):
    dims = ['?' if (dyn0 and i == 0) else str(d) for i, d in enumerate(s)]
    return 'tensor<%s%s>' % (''.join(d + 'x' for d in dims), elem)

def emap(f, a):
    return [emap(f, x) for x in a] if isinstance(a, list) else f(a)

class Main:
    """Builds @main: constants, dynamic casts, calls and prints."""
    def __init__(self):
        self.lines = []; self.checks = []; self.n = 0
    def const(self, a, elem='f32', dyn0=False):
        self.n += 1; name = '%%c%d' % self.n
        self.lines.append('  %s = arith.constant %s' % (name, mlir_lit(a, elem)))
        if dyn0:
            self.n += 1; d = '%%d%d' % self.n
            self.lines.append('  %s = tensor.cast %s : %s to %s' % (d, name, ttype(shape(a), elem), ttype(shape(a), elem, True)))
            return d
        return name
    def cast(self, v, src, dst):
        self.n += 1; d = '%%d%d' % self.n
        self.lines.append('  %s = tensor.cast %s : %s to %s' % (d, v, src, dst))
        return d
    def call(self, fn, args, argtypes, restypes):
        self.n += 1; name = '%%r%d' % self.n
        res = name if len(restypes) == 1 else name + ':%d' % len(restypes)
        self.lines.append('  %s = call @%s(%s) : (%s) -> (%s)' % (res, fn, ', '.join(args), ', '.join(argtypes), ', '.join(restypes)))
        return [name] if len(restypes) == 1 else ['%s#%d' % (name, i) for i in range(len(restypes))]
    def show(self, v, t, expected, label, tol=0.0):
        self.n += 1; u = '%%u%d' % self.n
        self.lines.append('  %s = tensor.cast %s : %s to tensor<*xf32>' % (u, v, t))
        self.lines.append('  call @printMemrefF32(%s) : (tensor<*xf32>) -> ()' % u)
        self.checks.append('// %s\n' % label + check(expected, tol=tol))
    def text(self):
        return ('func.func @main() {\n' + '\n'.join(self.lines) + '\n  return\n}\n'
                'func.func private @printMemrefF32(tensor<*xf32>)\n')

def tensor(s, f):
    """A nested list of shape s with element f(flat index)."""
    def build(dims, base):
        if len(dims) == 1: return [float(f(base + i)) for i in range(dims[0])]
        step = 1
        for d in dims[1:]: step *= d
        return [build(dims[1:], base + i * step) for i in range(dims[0])]
    return build(list(s), 0)


# One function per test file.

def test_layers(M):
    x = [[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.0, 2.0]]
    w = [[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [1.0, 1.0, 0.0], [0.0, 0.0, -1.0]]
    b = [0.5, -0.5, 1.0]
    dense = [[sum(x[i][k] * w[k][j] for k in range(4)) + b[j] for j in range(3)] for i in range(2)]
    x3 = [[[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]], [[2.0, 2.0, 2.0], [-1.0, 0.5, 1.0]]]
    w3 = [[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]]
    dense3 = [[[sum(r[k] * w3[k][j] for k in range(3)) for j in range(2)] for r in m] for m in x3]

    a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    bb = [10.0, 20.0, 30.0]
    c = [[2.0], [4.0]]
    d = [[1.0, 2.0, 4.0]]
    add = [[a[i][j] + bb[j] for j in range(3)] for i in range(2)]
    sub = [[c[i][0] - a[i][j] for j in range(3)] for i in range(2)]
    mul = [[a[i][j] * d[0][j] for j in range(3)] for i in range(2)]
    div = [[c[i][0] / d[0][j] for j in range(3)] for i in range(2)]

    v = [[-1.0, 0.0, 0.5], [1.0, 2.0, -3.0]]
    pos = [[0.5, 1.0, 2.0], [4.0, 8.0, 0.25]]
    relu = emap(lambda t: max(t, 0.0), v)
    sig = emap(lambda t: 1 / (1 + math.exp(-t)), v)
    tanh = emap(math.tanh, v)
    exp = emap(math.exp, v)
    log = emap(math.log, pos)

    e = [[1.0, -1.0], [2.0, 0.5]]
    mt_lhs = [[sum(a[k][i] * e[k][j] for k in range(2)) for j in range(2)] for i in range(3)]   # a^T e : 3x2
    f = [[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]
    mt_rhs = [[sum(a[i][k] * f[j][k] for k in range(3)) for j in range(2)] for i in range(2)]   # a f^T : 2x2
    bl = [[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]]]   # 2x2x2
    br = [[[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]], [[1.0, 1.0], [1.0, -1.0], [2.0, 2.0]]]  # 2x3x2 (transposed rhs: (B,N,K))
    bmm = [[[sum(bl[q][i][k] * br[q][j][k] for k in range(2)) for j in range(3)] for i in range(2)] for q in range(2)]
    bmm_plain = [[[sum(bl[q][i][k] * bl[q][k][j] for k in range(2)) for j in range(2)] for i in range(2)] for q in range(2)]
    resh = [[v for r in m for v in r] for m in x3]   # 2x6
    trans = [[[x3[i][j][k] for j in range(2)] for i in range(2)] for k in range(3)]  # permutation [2, 0, 1]

    xd = M.const(x, dyn0=True); wc = M.const(w); bc = M.const(b)
    r = M.call('dense', [xd, wc, bc], ['tensor<?x4xf32>', 'tensor<4x3xf32>', 'tensor<3xf32>'], ['tensor<?x3xf32>'])
    M.show(r[0], 'tensor<?x3xf32>', dense, 'dense with bias, dynamic batch')
    x3d = M.const(x3, dyn0=True); w3c = M.const(w3)
    r = M.call('dense_rank3', [x3d, w3c], ['tensor<?x2x3xf32>', 'tensor<3x2xf32>'], ['tensor<?x2x2xf32>'])
    M.show(r[0], 'tensor<?x2x2xf32>', dense3, 'dense on a rank-3 input')
    ad = M.const(a, dyn0=True); bbc = M.const(bb); cd = M.const(c, dyn0=True); dc = M.const(d)
    r = M.call('binary', [ad, bbc, cd, dc], ['tensor<?x3xf32>', 'tensor<3xf32>', 'tensor<?x1xf32>', 'tensor<1x3xf32>'], ['tensor<?x3xf32>'] * 4)
    for name, val, exp_ in zip(['add', 'sub', 'mul', 'div'], r, [add, sub, mul, div]):
        M.show(val, 'tensor<?x3xf32>', exp_, 'broadcasting ' + name)
    vd = M.const(v, dyn0=True); pd = M.const(pos, dyn0=True)
    r = M.call('activations', [vd, pd], ['tensor<?x3xf32>'] * 2, ['tensor<?x3xf32>'] * 5)
    for name, val, exp_ in zip(['relu', 'sigmoid', 'tanh', 'exp', 'log'], r, [relu, sig, tanh, exp, log]):
        M.show(val, 'tensor<?x3xf32>', exp_, name, tol=1e-5)
    ec = M.const(e, dyn0=True); fc = M.const(f); blc = M.const(bl); brc = M.const(br)
    r = M.call('matmuls', [ad, ec, fc, blc, brc], ['tensor<?x3xf32>', 'tensor<?x2xf32>', 'tensor<2x3xf32>', 'tensor<2x2x2xf32>', 'tensor<2x3x2xf32>'],
               ['tensor<3x2xf32>', 'tensor<?x2xf32>', 'tensor<2x2x3xf32>', 'tensor<2x2x2xf32>'])
    M.show(r[0], 'tensor<3x2xf32>', mt_lhs, 'matmul transpose_lhs')
    M.show(r[1], 'tensor<?x2xf32>', mt_rhs, 'matmul transpose_rhs')
    M.show(r[2], 'tensor<2x2x3xf32>', bmm, 'batched matmul transpose_rhs')
    M.show(r[3], 'tensor<2x2x2xf32>', bmm_plain, 'batched matmul')
    r = M.call('shapes', [x3d], ['tensor<?x2x3xf32>'], ['tensor<?x6xf32>', 'tensor<3x?x2xf32>'])
    M.show(r[0], 'tensor<?x6xf32>', resh, 'reshape (?, 2, 3) -> (?, 6)')
    M.show(r[1], 'tensor<3x?x2xf32>', trans, 'transpose [2, 0, 1]')


def test_reductions(M):
    x = [[1.0, 3.0, 2.0, 3.0], [-1.0, -2.0, 0.5, 4.0], [2.0, 2.0, 2.0, 2.0]]   # ties in rows 0 and 2
    rsum = [sum(r) for r in x]
    rmax_keep = [[max(r)] for r in x]
    rmean_all = sum(flat(x)) / 12
    rmean_axis0 = [[sum(x[i][j] for i in range(3)) / 3 for j in range(4)]]  # keepdims axes=[0] -> 1x4
    def softmax(r):
        m = max(r); e = [math.exp(v - m) for v in r]; s = sum(e); return [v / s for v in e]
    sm = [softmax(r) for r in x]
    big = [[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]]
    smbig = [softmax(r) for r in big]
    sm0 = [list(col) for col in zip(*[softmax(list(col)) for col in zip(*big)])]   # axis 0

    dy = [[0.5, -1.0, 2.0, 1.0], [1.0, 0.5, 1.0, -1.0], [3.0, 0.0, -1.0, 2.0]]
    # reduce_max_grad axes=[1] without keepdims: dm (3,), ties share
    dm = [2.0, -1.0, 4.0]
    rmg = [[dm[i] / r.count(max(r)) if v == max(r) else 0.0 for v in r] for i, r in enumerate(x)]
    # reduce_max_grad axes=[0, 1] keepdims on x: single max 4.0
    rmg_all = [[1.5 if v == 4.0 else 0.0 for v in r] for r in x]
    # reduce_like dy (3x4) -> (1x4) and -> (4): column sums; broadcast_like (3x1) -> (3x4)
    rl_keep = [[sum(dy[i][j] for i in range(3)) for j in range(4)]]
    col = [[1.0], [2.0], [3.0]]
    bl = [[col[i][0]] * 4 for i in range(3)]
    # activation gradients
    y = sm
    relu_g = [[dy[i][j] if x[i][j] > 0 else 0.0 for j in range(4)] for i in range(3)]
    sig = [[1 / (1 + math.exp(-v)) for v in r] for r in x]
    sig_g = [[dy[i][j] * sig[i][j] * (1 - sig[i][j]) for j in range(4)] for i in range(3)]
    th = [[math.tanh(v) for v in r] for r in x]
    tanh_g = [[dy[i][j] * (1 - th[i][j] ** 2) for j in range(4)] for i in range(3)]
    smg = [[y[i][j] * (dy[i][j] - sum(dy[i][k] * y[i][k] for k in range(4))) for j in range(4)] for i in range(3)]

    xd = M.const(x, dyn0=True)
    r = M.call('reductions', [xd], ['tensor<?x4xf32>'], ['tensor<?xf32>', 'tensor<?x1xf32>', 'tensor<f32>', 'tensor<1x4xf32>'])
    M.show(r[0], 'tensor<?xf32>', rsum, 'reduce_sum axes = [1]')
    M.show(r[1], 'tensor<?x1xf32>', rmax_keep, 'reduce_max axes = [-1] keepdims')
    M.show(r[2], 'tensor<f32>', rmean_all, 'reduce_mean axes = [0, 1] (dynamic count)')
    M.show(r[3], 'tensor<1x4xf32>', rmean_axis0, 'reduce_mean axes = [0] keepdims')
    bigd = M.const(big, dyn0=True)
    r = M.call('softmaxes', [xd, bigd], ['tensor<?x4xf32>', 'tensor<?x3xf32>'], ['tensor<?x4xf32>', 'tensor<?x3xf32>', 'tensor<?x3xf32>'])
    M.show(r[0], 'tensor<?x4xf32>', sm, 'softmax axis = -1', tol=1e-5)
    M.show(r[1], 'tensor<?x3xf32>', smbig, 'softmax of large logits stays finite', tol=1e-5)
    M.show(r[2], 'tensor<?x3xf32>', sm0, 'softmax axis = 0', tol=1e-5)
    dyd = M.const(dy, dyn0=True); dmd = M.const(dm, dyn0=True); cold = M.const(col, dyn0=True)
    r = M.call('reduction_grads', [dyd, xd, dmd, cold], ['tensor<?x4xf32>', 'tensor<?x4xf32>', 'tensor<?xf32>', 'tensor<?x1xf32>'],
               ['tensor<?x4xf32>', 'tensor<?x4xf32>', 'tensor<1x4xf32>', 'tensor<?x4xf32>'])
    M.show(r[0], 'tensor<?x4xf32>', rmg, 'reduce_max_grad axes = [1]: tied maxima share dy')
    M.show(r[1], 'tensor<?x4xf32>', rmg_all, 'reduce_max_grad axes = [0, 1] keepdims')
    M.show(r[2], 'tensor<1x4xf32>', rl_keep, 'reduce_like to (1, 4)')
    M.show(r[3], 'tensor<?x4xf32>', bl, 'broadcast_like (?, 1) to (?, 4)')
    r = M.call('activation_grads', [dyd, xd], ['tensor<?x4xf32>', 'tensor<?x4xf32>'], ['tensor<?x4xf32>'] * 4)
    M.show(r[0], 'tensor<?x4xf32>', relu_g, 'relu_grad')
    M.show(r[1], 'tensor<?x4xf32>', sig_g, 'sigmoid_grad', tol=2e-4)
    M.show(r[2], 'tensor<?x4xf32>', tanh_g, 'tanh_grad', tol=2e-4)
    M.show(r[3], 'tensor<?x4xf32>', smg, 'softmax_grad', tol=1e-5)


def test_conv_pool(M):
    x4 = tensor((2, 4, 4, 2), lambda i: (i * 7) % 11 - 5)
    k3 = tensor((3, 3, 2, 2), lambda i: (i * 5) % 7 - 3)
    bias = [0.5, -1.0]
    x5 = tensor((1, 5, 5, 1), lambda i: (i * 3) % 8 - 2)
    k5 = tensor((3, 3, 1, 1), lambda i: (i % 3) - 1 + (i // 3))

    x4d = M.const(x4, dyn0=True); k3c = M.const(k3); bc = M.const(bias); x5d = M.const(x5, dyn0=True); k5c = M.const(k5)
    r = M.call('convs', [x4d, k3c, bc, x5d, k5c],
               ['tensor<?x4x4x2xf32>', 'tensor<3x3x2x2xf32>', 'tensor<2xf32>', 'tensor<?x5x5x1xf32>', 'tensor<3x3x1x1xf32>'],
               ['tensor<?x2x2x2xf32>', 'tensor<?x2x2x2xf32>', 'tensor<?x3x3x1xf32>', 'tensor<?x2x2x1xf32>'])
    M.show(r[0], 'tensor<?x2x2x2xf32>', conv2d(x4, k3, (1, 1), False, bias), 'conv2d valid, stride 1, bias')
    M.show(r[1], 'tensor<?x2x2x2xf32>', conv2d(x4, k3, (2, 2), True), 'conv2d same, stride 2 on 4x4: pads 0 before, 1 after')
    M.show(r[2], 'tensor<?x3x3x1xf32>', conv2d(x5, k5, (2, 2), True), 'conv2d same, stride 2 on 5x5: pads 1 and 1')
    M.show(r[3], 'tensor<?x2x2x1xf32>', conv2d(x5, k5, (2, 2), False), 'conv2d valid, stride 2 on 5x5')
    r = M.call('pools', [x4d, x5d], ['tensor<?x4x4x2xf32>', 'tensor<?x5x5x1xf32>'],
               ['tensor<?x2x2x2xf32>', 'tensor<?x3x3x1xf32>', 'tensor<?x2x2x1xf32>'])
    M.show(r[0], 'tensor<?x2x2x2xf32>', max_pool(x4, (2, 2), (2, 2), False), 'max_pool2d valid 2x2 stride 2')
    M.show(r[1], 'tensor<?x3x3x1xf32>', max_pool(x5, (2, 2), (2, 2), True), 'max_pool2d same 2x2 stride 2 on 5x5: -inf padding never wins')
    M.show(r[2], 'tensor<?x2x2x1xf32>', max_pool(x5, (3, 3), (2, 2), False), 'max_pool2d valid 3x3 stride 2 (overlapping windows)')
    # The same ops with dynamic spatial sizes: padding and output sizes computed at run time.
    x4a = M.cast(x4d, 'tensor<?x4x4x2xf32>', 'tensor<?x?x?x2xf32>')
    x5a = M.cast(x5d, 'tensor<?x5x5x1xf32>', 'tensor<?x?x?x1xf32>')
    r = M.call('dynamic_spatial', [x4a, k3c, x5a, k5c],
               ['tensor<?x?x?x2xf32>', 'tensor<3x3x2x2xf32>', 'tensor<?x?x?x1xf32>', 'tensor<3x3x1x1xf32>'],
               ['tensor<?x?x?x2xf32>', 'tensor<?x?x?x1xf32>', 'tensor<?x?x?x1xf32>'])
    M.show(r[0], 'tensor<?x?x?x2xf32>', conv2d(x4, k3, (2, 2), True), 'dynamic H, W: conv2d same, stride 2 on 4x4')
    M.show(r[1], 'tensor<?x?x?x1xf32>', conv2d(x5, k5, (2, 2), False), 'dynamic H, W: conv2d valid, stride 2 on 5x5')
    M.show(r[2], 'tensor<?x?x?x1xf32>', max_pool(x5, (2, 2), (2, 2), True), 'dynamic H, W: max_pool2d same 2x2 stride 2 on 5x5')


def test_window_grads(M):
    # Configurations: (name, x shape, kernel shape, strides, same)
    x44 = tensor((2, 4, 4, 2), lambda i: (i * 7) % 11 - 5)
    k332 = tensor((3, 3, 2, 2), lambda i: (i * 5) % 7 - 3)
    x6 = tensor((1, 6, 5, 1), lambda i: (i * 3) % 8 - 2)
    k31 = tensor((3, 3, 1, 2), lambda i: (i % 5) - 2)

    def dy_for(x, k, s, same):
        y = conv2d(x, k, s, same)
        N, OH, OW, F = shape(y)
        return tensor((N, OH, OW, F), lambda i: (i * 3) % 5 - 2)

    k22 = tensor((2, 2, 2, 1), lambda i: (i * 3) % 5 - 1)
    cases = [('valid_s1', x44, k332, (1, 1), False),
             ('same_s2', x44, k332, (2, 2), True),
             ('valid_s2', x6, k31, (2, 2), False),
             ('same_s1_even', x44, k22, (1, 1), True)]

    for name, x, k, s, same in cases:
        dy = dy_for(x, k, s, same)
        xs, ks, ds = shape(x), shape(k), shape(dy)
        xt, kt, dt = ttype(xs, dyn0=True), ttype(ks), ttype(ds, dyn0=True)
        xd = M.const(x, dyn0=True); kc = M.const(k); dd = M.const(dy, dyn0=True)
        r = M.call('grads_' + name, [xd, kc, dd], [xt, kt, dt], [xt, kt, 'tensor<f32>', 'tensor<f32>', 'tensor<f32>'])
        dx = conv2d_input_grad(dy, k, xs[1], xs[2], s, same)
        dk = conv2d_kernel_grad(x, dy, ks[0], ks[1], s, same)
        ip = dot(conv2d(x, k, s, same), dy)
        assert ip == dot(x, dx) == dot(k, dk)
        M.show(r[0], xt, dx, '%s: conv2d_input_grad' % name)
        M.show(r[1], kt, dk, '%s: conv2d_kernel_grad' % name)
        M.show(r[2], 'tensor<f32>', ip, '%s: <conv(x, k), dy>' % name)
        M.show(r[3], 'tensor<f32>', ip, '%s: <x, input_grad(dy, k)> equals it' % name)
        M.show(r[4], 'tensor<f32>', ip, '%s: <k, kernel_grad(x, dy)> equals it' % name)

    # max_pool2d_grad: ties (first max in row-major order wins) and overlap.
    xp = [[[[1.0], [3.0], [3.0], [0.0]], [[3.0], [2.0], [1.0], [3.0]], [[0.0], [1.0], [5.0], [5.0]], [[4.0], [4.0], [5.0], [2.0]]]]
    dy3 = [[[[1.0], [2.0]], [[3.0], [4.0]]]]
    xq = [[[[-1.0], [-1.0], [-3.0]], [[-2.0], [-1.0], [-4.0]], [[-5.0], [-6.0], [-1.0]]]]
    dyq = [[[[1.0], [10.0]], [[100.0], [1000.0]]]]
    xpd = M.const(xp, dyn0=True); dy3d = M.const(dy3, dyn0=True); dy2 = M.const([[[[1.0], [2.0]], [[3.0], [4.0]]]], dyn0=True)
    xqd = M.const(xq, dyn0=True); dyqd = M.const(dyq, dyn0=True)
    r = M.call('pool_grads', [xpd, dy3d, dy2, xqd, dyqd],
               ['tensor<?x4x4x1xf32>', 'tensor<?x2x2x1xf32>', 'tensor<?x2x2x1xf32>', 'tensor<?x3x3x1xf32>', 'tensor<?x2x2x1xf32>'],
               ['tensor<?x4x4x1xf32>', 'tensor<?x4x4x1xf32>', 'tensor<?x3x3x1xf32>'])
    M.show(r[0], 'tensor<?x4x4x1xf32>', max_pool(xp, (3, 3), (1, 1), False, dy3), 'max_pool2d_grad 3x3 stride 1 (overlap, ties)')
    M.show(r[1], 'tensor<?x4x4x1xf32>', max_pool(xp, (2, 2), (2, 2), False, [[[[1.0], [2.0]], [[3.0], [4.0]]]]), 'max_pool2d_grad 2x2 stride 2 (ties)')
    M.show(r[2], 'tensor<?x3x3x1xf32>', max_pool(xq, (2, 2), (2, 2), True, dyq), 'max_pool2d_grad same 2x2 stride 2 on 3x3: padding never receives')
    # Dynamic heights and widths: same_s2 kernel gradient and a same max_pool2d_grad.
    name, x, k, st, same = cases[1]
    dy = dy_for(x, k, st, same)
    xa = M.cast(M.const(x, dyn0=True), 'tensor<?x4x4x2xf32>', 'tensor<?x?x?x2xf32>')
    dya = M.cast(M.const(dy, dyn0=True), 'tensor<?x2x2x2xf32>', 'tensor<?x?x?x2xf32>')
    xqa = M.cast(xqd, 'tensor<?x3x3x1xf32>', 'tensor<?x?x?x1xf32>')
    dyqa = M.cast(dyqd, 'tensor<?x2x2x1xf32>', 'tensor<?x?x?x1xf32>')
    r = M.call('dynamic_spatial_grads', [xa, dya, xqa, dyqa],
               ['tensor<?x?x?x2xf32>', 'tensor<?x?x?x2xf32>', 'tensor<?x?x?x1xf32>', 'tensor<?x?x?x1xf32>'],
               ['tensor<3x3x2x2xf32>', 'tensor<?x?x?x1xf32>'])
    M.show(r[0], 'tensor<3x3x2x2xf32>', conv2d_kernel_grad(x, dy, 3, 3, st, same), 'dynamic H, W: conv2d_kernel_grad same, stride 2')
    M.show(r[1], 'tensor<?x?x?x1xf32>', max_pool(xq, (2, 2), (2, 2), True, dyq), 'dynamic H, W: max_pool2d_grad same 2x2 stride 2 on 3x3')


def test_losses(M):
    EPS = f32(1e-7); ONE_EPS = f32(1 - 1e-7)   # Keras clips in float32
    def clip(v): return min(max(v, EPS), ONE_EPS)

    def mse(y, p): return sum((a - b) ** 2 for a, b in zip(flat(y), flat(p))) / len(flat(p))
    def mae(y, p): return sum(abs(a - b) for a, b in zip(flat(y), flat(p))) / len(flat(p))
    def bce(y, p):
        t = 0.0
        for a, b in zip(flat(y), flat(p)):
            c = clip(b)
            rest = f32(1 - c) if c == ONE_EPS else 1 - c   # float32 1 - (1 - eps)
            t -= a * math.log(c) + (1 - a) * math.log(rest)
        return t / len(flat(p))
    def bce_logits(y, z):
        return sum(max(b, 0) - b * a + math.log(1 + math.exp(-abs(b))) for a, b in zip(flat(y), flat(z))) / len(flat(z))
    def cce(y, p):
        t = 0.0
        for yr, pr in zip(y, p):
            s = sum(pr); t += -sum(a * math.log(clip(b / s)) for a, b in zip(yr, pr))
        return t / len(p)
    def lse(r):
        m = max(r); return m + math.log(sum(math.exp(v - m) for v in r))
    def cce_logits(y, z):
        return sum(-sum(a * (b - lse(zr)) for a, b in zip(yr, zr)) for yr, zr in zip(y, z)) / len(z)
    def onehot(labels, n): return [[1.0 if j == int(l) else 0.0 for j in range(n)] for l in labels]
    def scce(labels, p):
        return sum(-math.log(clip(pr[int(l)] / sum(pr))) for l, pr in zip(labels, p)) / len(p)
    def scce_logits(labels, z):
        return sum(lse(zr) - zr[int(l)] for l, zr in zip(labels, z)) / len(z)

    def grad(f, p, dl, h=1e-8):
        """Central finite differences of f at p (double precision), times dl."""
        g = copy.deepcopy(p)
        for i in range(len(p)):
            for j in range(len(p[i])):
                a = copy.deepcopy(p); b = copy.deepcopy(p)
                a[i][j] += h; b[i][j] -= h
                g[i][j] = (f(a) - f(b)) / (2 * h) * dl
        return g

    y = [[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]]
    p = [[0.2, 0.6, 0.4], [0.1, 0.0, 0.7]]            # rows do not sum to 1; a 0 gets clipped
    yb = [[1.0, 0.0, 1.0], [1.0, 0.5, 0.0]]
    pb = [[0.9, 0.0, 0.3], [1.0, 0.5, 0.2]]            # 0 and 1 get clipped
    z = [[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]]
    labels = [1, 2]
    oh = onehot(labels, 3)

    yd = M.const(y, dyn0=True); pd = M.const(p, dyn0=True); ybd = M.const(yb, dyn0=True); pbd = M.const(pb, dyn0=True)
    zd = M.const(z, dyn0=True)
    l32 = M.const(labels, 'i32', dyn0=True); l64 = M.const([[l] for l in labels], 'i64', dyn0=True)
    lf = M.const([float(l) for l in labels], dyn0=True)
    T = 'tensor<?x3xf32>'
    r = M.call('losses', [yd, pd, ybd, pbd, zd, l32, l64, lf],
               [T, T, T, T, T, 'tensor<?xi32>', 'tensor<?x1xi64>', 'tensor<?xf32>'], ['tensor<f32>'] * 12)
    expect = [('mse', mse(y, p)), ('mae', mae(y, p)), ('binary_crossentropy (clipped 0 and 1)', bce(yb, pb)),
              ('binary_crossentropy from_logits', bce_logits(yb, z)),
              ('categorical_crossentropy (normalized, clipped 0)', cce(y, p)), ('categorical_crossentropy from_logits', cce_logits(oh, z)),
              ('sparse_categorical_crossentropy, i32 labels', scce(labels, p)),
              ('sparse_categorical_crossentropy, i64 labels of shape (?, 1)', scce(labels, p)),
              ('sparse_categorical_crossentropy, f32 labels', scce(labels, p)),
              ('sparse_categorical_crossentropy from_logits, i32 labels', scce_logits(labels, z)),
              ('sparse_categorical_crossentropy from_logits, i64 labels of shape (?, 1)', scce_logits(labels, z)),
              ('sparse_categorical_crossentropy from_logits, f32 labels', scce_logits(labels, z))]
    for v, (label, e) in zip(r, expect):
        M.show(v, 'tensor<f32>', e, label, tol=1e-5)

    dl = M.const(2.0)
    r = M.call('loss_grads', [yd, pd, ybd, pbd, zd, l32, l64, dl],
               [T, T, T, T, T, 'tensor<?xi32>', 'tensor<?x1xi64>', 'tensor<f32>'], [T] * 9)
    gexp = [('mse', grad(lambda q: mse(y, q), p, 2.0)), ('mae', grad(lambda q: mae(y, q), p, 2.0)),
            ('binary_crossentropy: 0 where clipped', grad(lambda q: bce(yb, q), pb, 2.0)),
            ('binary_crossentropy from_logits', grad(lambda q: bce_logits(yb, q), z, 2.0, 1e-6)),
            ('categorical_crossentropy through normalization and clip', grad(lambda q: cce(y, q), p, 2.0)),
            ('categorical_crossentropy from_logits', grad(lambda q: cce_logits(oh, q), z, 2.0, 1e-6)),
            ('sparse_categorical_crossentropy, i32 labels', grad(lambda q: scce(labels, q), p, 2.0)),
            ('sparse_categorical_crossentropy from_logits, i64 labels (?, 1)', grad(lambda q: scce_logits(labels, q), z, 2.0, 1e-6)),
            ('sparse_categorical_crossentropy on probabilities with a clipped label', grad(lambda q: scce([1, 1], q), p, 2.0))]
    for v, (label, e) in zip(r, gexp):
        M.show(v, T, e, 'loss_grad ' + label + ' (finite differences)', tol=1e-4)


def test_optimizers(M):
    F = f32
    p = [[1.0, -2.0], [0.5, 3.0]]
    g = [[0.1, -0.5], [2.0, 0.0]]
    v = [[0.3, 0.1], [-0.2, 0.5]]
    sq = [[0.5, 0.1], [0.2, 1.0]]     # non-negative state (rmsprop velocity, adam v, adagrad acc)
    m = [[0.05, -0.1], [0.3, 0.2]]
    E = lambda f, *a: [[f(*[x[i][j] for x in a]) for j in range(2)] for i in range(2)]

    sgd = E(lambda p, g: p - F(0.1) * g, p, g)
    mv = E(lambda g, v: F(0.9) * v - F(0.1) * g, g, v)
    mom = E(lambda p, v1: p + v1, p, mv)
    nes = E(lambda p, g, v1: p + F(0.9) * v1 - F(0.1) * g, p, g, mv)
    rv = E(lambda g, v: F(0.9) * v + F(1 - F(0.9)) * g * g, g, sq)
    rms = E(lambda p, g, v1: p - F(0.01) * g / math.sqrt(v1 + F(1e-7)), p, g, rv)
    def adam(it):
        t = it + 1
        alpha = F(0.01) * math.sqrt(1 - F(0.999) ** t) / (1 - F(0.9) ** t)
        m1 = E(lambda g, m: m + (g - m) * F(1 - F(0.9)), g, m)
        v1 = E(lambda g, v: v + (g * g - v) * F(1 - F(0.999)), g, sq)
        p1 = E(lambda p, m1, v1: p - m1 * alpha / (math.sqrt(v1) + F(1e-7)), p, m1, v1)
        return p1, m1, v1
    acc = E(lambda g, a: a + g * g, g, sq)
    ada = E(lambda p, g, a: p - F(0.1) * g / math.sqrt(a + F(1e-7)), p, g, acc)

    pd = M.const(p, dyn0=True); gd = M.const(g, dyn0=True); vd = M.const(v, dyn0=True)
    sqd = M.const(sq, dyn0=True); md = M.const(m, dyn0=True)
    T = 'tensor<?x2xf32>'
    r = M.call('optimizers', [pd, gd, vd, sqd, md], [T] * 5, [T] * 13)
    M.show(r[0], T, sgd, 'sgd_update', tol=2e-6)
    M.show(r[1], T, mom, 'sgd_momentum_update: param', tol=2e-6)
    M.show(r[2], T, mv, 'sgd_momentum_update: velocity', tol=2e-6)
    M.show(r[3], T, nes, 'sgd_momentum_update nesterov: param', tol=2e-6)
    M.show(r[4], T, rms, 'rmsprop_update: param', tol=2e-6)
    M.show(r[5], T, rv, 'rmsprop_update: velocity', tol=2e-6)
    for k, it in ((6, 0), (9, 4)):
        a = adam(it)
        M.show(r[k], T, a[0], 'adam_update iterations = %d: param' % it, tol=2e-6)
        M.show(r[k + 1], T, a[1], 'adam_update iterations = %d: momentum' % it, tol=2e-6)
        M.show(r[k + 2], T, a[2], 'adam_update iterations = %d: velocity' % it, tol=2e-6)
    M.show(r[12], T, ada, 'adagrad_update: param', tol=2e-6)


def test_metrics(M):
    yb = [[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    pb = [[0.7, 0.5, 0.2], [0.1, 0.9, 0.6]]
    def binacc(y, p, t):
        return sum(1.0 for a, b in zip(flat(y), flat(p)) if (1.0 if b > t else 0.0) == a) / len(flat(p))
    def argmax(r):
        return max(range(len(r)), key=lambda i: (r[i], -i))   # first index on ties
    y = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    p = [[0.1, 0.8, 0.1], [0.4, 0.4, 0.2], [0.5, 0.2, 0.3], [0.3, 0.3, 0.3]]   # ties in rows 1 and 3
    cat = sum(1.0 for a, b in zip(y, p) if argmax(a) == argmax(b)) / len(p)
    def sparse(labels): return sum(1.0 for l, r in zip(labels, p) if int(l) == argmax(r)) / len(p)

    ybd = M.const(yb, dyn0=True); pbd = M.const(pb, dyn0=True); yd = M.const(y, dyn0=True); pd = M.const(p, dyn0=True)
    l32 = M.const([1, 0, 2, 1], 'i32', dyn0=True); lf = M.const([1.0, 0.0, 0.0, 1.0], dyn0=True)
    l64 = M.const([[1], [0], [2], [0]], 'i64', dyn0=True)
    r = M.call('metrics', [ybd, pbd, yd, pd, l32, lf, l64],
               ['tensor<?x3xf32>'] * 4 + ['tensor<?xi32>', 'tensor<?xf32>', 'tensor<?x1xi64>'], ['tensor<f32>'] * 6)
    M.show(r[0], 'tensor<f32>', binacc(yb, pb, 0.5), 'binary_accuracy threshold 0.5 (0.5 itself is not above)', tol=1e-6)
    M.show(r[1], 'tensor<f32>', binacc(yb, pb, 0.6), 'binary_accuracy threshold 0.6')
    M.show(r[2], 'tensor<f32>', cat, 'categorical_accuracy: ties pick the first index')
    M.show(r[3], 'tensor<f32>', sparse([1, 0, 2, 1]), 'sparse_categorical_accuracy, i32 labels')
    M.show(r[4], 'tensor<f32>', sparse([1, 0, 0, 1]), 'sparse_categorical_accuracy, f32 labels')
    M.show(r[5], 'tensor<f32>', sparse([1, 0, 2, 0]), 'sparse_categorical_accuracy, i64 labels of shape (?, 1)')


def test_confusion(M):
    # Multi-label rows; ties (rows 1 and 3) and values exactly at thresholds.
    y = [[1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    p = [[0.9, 0.2, 0.5], [0.4, 0.4, 0.1], [0.3, 0.7, 0.6], [0.2, 0.2, 0.2], [0.1, 0.8, 0.35]]
    labels = [0, 2, 1, 0, 1]
    def counts(pairs, thresholds):
        """[tp, fp, tn, fn] rows, one column per threshold: label y != 0,
        predicted positive when p > t (None: never positive)."""
        out = [[0.0] * len(thresholds) for _ in range(4)]
        for k, t in enumerate(thresholds):
            for a, b in pairs:
                pos = b is not None and f32(b) > t
                q = (0 if pos else 3) if a != 0 else (1 if pos else 2)
                out[q][k] += 1.0
        return out
    def top_k_filter(row, k):
        order = sorted(range(len(row)), key=lambda i: (-row[i], i))[:k]   # top_k: lower index first on ties
        return [v if i in order else None for i, v in enumerate(row)]
    everything = list(zip(flat(y), flat(p)))
    c0 = counts(everything, [f32(-1e-7), 0.5, f32(0.7)])
    c1 = counts([(a[2], b[2]) for a, b in zip(y, p)], [0.5])
    top1 = [v for r in p for v in top_k_filter(r, 1)]
    c2 = counts(list(zip(flat(y), top1)), [-1e10, f32(0.35)])
    top2 = [top_k_filter(r, 2)[1] for r in p]
    c3 = counts(list(zip([a[1] for a in y], top2)), [f32(0.3)])
    def in_top_k(row, target, k): return sum(1 for v in row if v > row[target]) < k
    def argmax(r): return max(range(len(r)), key=lambda i: (r[i], -i))
    topk = lambda k: sum(1.0 for a, b in zip(y, p) if in_top_k(b, argmax(a), k)) / len(p)
    sparse = sum(1.0 for l, b in zip(labels, p) if in_top_k(b, l, 2)) / len(p)

    yd = M.const(y, dyn0=True); pd = M.const(p, dyn0=True); ld = M.const(labels, 'i32', dyn0=True)
    types = ['tensor<4x3xf32>', 'tensor<4x1xf32>', 'tensor<4x2xf32>', 'tensor<4x1xf32>'] + ['tensor<f32>'] * 3
    r = M.call('confusion', [yd, pd, ld], ['tensor<?x3xf32>'] * 2 + ['tensor<?xi32>'], types)
    M.show(r[0], types[0], c0, 'every element at -epsilon, 0.5 (0.5 itself is not above) and 0.7')
    M.show(r[1], types[1], c1, 'class_id 2 at 0.5')
    M.show(r[2], types[2], c2, 'top_k 1 (rows 1 and 3 tie: the lower index wins) at -1e10 and 0.35')
    M.show(r[3], types[3], c3, 'top_k 2 and class_id 1 at 0.3 (row 1: index 1 ties index 0 and stays; row 3: index 1 stays, index 2 goes)')
    M.show(r[4], 'tensor<f32>', topk(1), 'top_k_categorical_accuracy k=1: a target tied at the top counts (row 3)')
    M.show(r[5], 'tensor<f32>', topk(2), 'top_k_categorical_accuracy k=2', tol=1e-6)
    M.show(r[6], 'tensor<f32>', sparse, 'sparse_top_k_categorical_accuracy k=2', tol=1e-6)

def test_compare(M):
    nan = float('nan')
    a = [[1.0, 2.0, 3.0, nan], [0.0, 5.0, -1.0, 2.0], [4.0, 2.0, 3.0, 7.0]]
    b = [1.0, 5.0, 3.0, 2.0]
    def cmp(f): return [[1.0 if f(v, b[j]) else 0.0 for j, v in enumerate(r)] for r in a]
    types = ['tensor<?x4xf32>'] * 8
    an = M.const(a, dyn0=True)
    bd = M.const(b)
    r = M.call('compare', [an, bd], ['tensor<?x4xf32>', 'tensor<4xf32>'], types)
    M.show(r[0], types[0], cmp(lambda x, y: x == y), 'equal (NaN is not equal to anything)')
    M.show(r[1], types[1], cmp(lambda x, y: x != y), 'not_equal (NaN is)')
    M.show(r[2], types[2], cmp(lambda x, y: x > y), 'greater')
    M.show(r[3], types[3], cmp(lambda x, y: x >= y), 'greater_equal')
    M.show(r[4], types[4], cmp(lambda x, y: x < y), 'less')
    M.show(r[5], types[5], cmp(lambda x, y: x <= y), 'less_equal')
    a2 = [[1.0, 2.0, 3.0, 0.5], [0.0, 5.0, -1.0, 2.0], [4.0, 2.0, 3.0, 7.0]]
    a2d = M.const(a2, dyn0=True)
    r = M.call('compare', [a2d, bd], ['tensor<?x4xf32>', 'tensor<4xf32>'], types)
    M.show(r[6], types[6], [[max(v, b[j]) for j, v in enumerate(row)] for row in a2], 'maximum')
    M.show(r[7], types[7], [[min(v, b[j]) for j, v in enumerate(row)] for row in a2], 'minimum')
    x = [[1.0, 3.0, 2.0, 3.0], [-1.0, -2.0, 0.5, 4.0], [2.0, 2.0, 2.0, 2.0]]
    def argmax(r): return float(max(range(len(r)), key=lambda i: (r[i], -i)))
    xd = M.const(x, dyn0=True)
    r = M.call('argmaxes', [xd], ['tensor<?x4xf32>'], ['tensor<?xf32>', 'tensor<4xf32>'])
    M.show(r[0], 'tensor<?xf32>', [argmax(row) for row in x], 'argmax axis = -1 (ties: the first index)')
    M.show(r[1], 'tensor<4xf32>', [argmax(list(c)) for c in zip(*x)], 'argmax axis = 0')


TESTS = {'layers.mlir': test_layers, 'reductions.mlir': test_reductions, 'conv-pool.mlir': test_conv_pool, 'window-grads.mlir': test_window_grads, 'losses.mlir': test_losses, 'optimizers.mlir': test_optimizers, 'metrics.mlir': test_metrics, 'confusion.mlir': test_confusion, 'compare.mlir': test_compare}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, build in TESTS.items():
        path = os.path.join(here, name)
        text = open(path).read()
        head = text[:text.index('func.func @main() {')]
        m = Main()
        build(m)
        with open(path, 'w') as f:
            f.write(head + m.text() + '\n' + '\n'.join(m.checks) + '\n')


if __name__ == '__main__':
    main()
