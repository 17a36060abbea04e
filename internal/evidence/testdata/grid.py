# Assembles a HEIC whose primary image is a grid of HEVC tiles (as iPhones write them), from
# single-image HEICs written by heif-enc 1.15 (one per tile, row by row).
# usage: grid.py OUT WIDTH HEIGHT ROWS COLS tile1.heic ...
import struct, sys
out, W, H, R, C = sys.argv[1], *map(int, sys.argv[2:6])
tiles = sys.argv[6:]
def box(t, payload): return struct.pack('>I4s', 8 + len(payload), t) + payload
def full(t, v, f, payload): return box(t, struct.pack('>I', (v << 24) | f) + payload)
def kids(b, off, end):
    while off < end:
        s, t = struct.unpack('>I4s', b[off:off+8]); yield t, off, s; off += s
hvcc, data, tw, th = [], [], 0, 0
for f in tiles:
    b = open(f, 'rb').read()
    meta = next((o, s) for t, o, s in kids(b, 0, len(b)) if t == b'meta')
    mk = {t: (o, s) for t, o, s in kids(b, meta[0]+12, meta[0]+meta[1])}
    ip = mk[b'iprp']; ipk = {t: (o, s) for t, o, s in kids(b, ip[0]+8, ip[0]+ip[1])}
    co = ipk[b'ipco']
    props = {t: b[o:o+s] for t, o, s in kids(b, co[0]+8, co[0]+co[1])}
    hvcc.append(props[b'hvcC']); tw, th = struct.unpack('>II', props[b'ispe'][12:20])
    lo, ls = mk[b'iloc']; v = b[lo+8]; assert b[lo+12] == 0x44
    p = lo + 14; n = struct.unpack('>H', b[p:p+2])[0]; p += 2
    for _ in range(n):
        if v == 1:
            iid, cm, dri, base, ext = struct.unpack('>HHHIH', b[p:p+12]); p += 12
        else:
            iid, dri, base, ext = struct.unpack('>HHIH', b[p:p+10]); cm = 0; p += 10
        chunks = []
        for _ in range(ext):
            eo, el = struct.unpack('>II', b[p:p+8]); p += 8; chunks.append(b[base+eo:base+eo+el])
        if iid == 1: data.append(b''.join(chunks))
N = len(tiles); G = N + 1
grid = struct.pack('>BBBBHH', 0, 0, R-1, C-1, W, H)
ispe_tile = full(b'ispe', 0, 0, struct.pack('>II', tw, th))
ispe_out = full(b'ispe', 0, 0, struct.pack('>II', W, H))
ipco = box(b'ipco', b''.join(hvcc) + ispe_tile + ispe_out)  # props 1..N hvcC, N+1 tile ispe, N+2 output ispe
ents = b''.join(struct.pack('>HBBB', i+1, 2, 0x80 | (i+1), N+1) for i in range(N)) + struct.pack('>HBB', G, 1, N+2)
ipma = full(b'ipma', 0, 0, struct.pack('>I', N+1) + ents)
iprp = box(b'iprp', ipco + ipma)
infe = lambda iid, typ, flags: full(b'infe', 2, flags, struct.pack('>HH4s', iid, 0, typ) + b'\x00')
iinf = full(b'iinf', 0, 0, struct.pack('>H', G) + b''.join(infe(i+1, b'hvc1', 1) for i in range(N)) + infe(G, b'grid', 0))
iref = full(b'iref', 0, 0, box(b'dimg', struct.pack('>HH', G, N) + b''.join(struct.pack('>H', i+1) for i in range(N))))
hdlr = full(b'hdlr', 0, 0, b'\x00'*4 + b'pict' + b'\x00'*12 + b'\x00')
pitm = full(b'pitm', 0, 0, struct.pack('>H', G))
ftyp = box(b'ftyp', b'heic' + b'\x00'*4 + b'mif1heicmiaf')
def iloc(start):
    e, off = b'', start
    for d in data + [grid]:
        e += struct.pack('>HHHII', len(e)//14 + 1, 0, 1, off, len(d)); off += len(d)
    return full(b'iloc', 0, 0, struct.pack('>BBH', 0x44, 0x00, len(data)+1) + e)
def meta(start): return full(b'meta', 0, 0, hdlr + pitm + iloc(start) + iinf + iprp + iref)
start = len(ftyp) + len(meta(0)) + 8
mdat = box(b'mdat', b''.join(data) + grid)
open(out, 'wb').write(ftyp + meta(start) + mdat)
