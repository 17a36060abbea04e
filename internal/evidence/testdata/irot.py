# Adds an irot (rotation) property to the primary item of a HEIC written by heif-enc 1.15
# (meta before mdat, iloc version 1 with 4-byte fields), fixing the sizes and the iloc offsets.
import struct, sys
src, dst, angle = sys.argv[1], sys.argv[2], int(sys.argv[3])  # angle: anticlockwise, in 90° steps
b = bytearray(open(src, 'rb').read())
def boxes(off, end):
    while off < end:
        size, typ = struct.unpack('>I4s', b[off:off+8]); yield off, size, typ; off += size
meta = next(o for o, s, t in boxes(0, len(b)) if t == b'meta')
msize = struct.unpack('>I', b[meta:meta+4])[0]
kids = {t: (o, s) for o, s, t in boxes(meta+12, meta+msize)}
pitm = struct.unpack('>H', b[kids[b'pitm'][0]+12:kids[b'pitm'][0]+14])[0]
iprp_o, iprp_s = kids[b'iprp']
ik = {t: (o, s) for o, s, t in boxes(iprp_o+8, iprp_o+iprp_s)}
ipco_o, ipco_s = ik[b'ipco']
nprops = len(list(boxes(ipco_o+8, ipco_o+ipco_s)))
ipma_o, ipma_s = ik[b'ipma']
# ipma version 0, flags 0: entry_count u32, then item_ID u16, count u8, count x u8
p = ipma_o + 12; n = struct.unpack('>I', b[p:p+4])[0]; p += 4
ipma = bytearray(b[ipma_o:ipma_o+16])
for _ in range(n):
    item, cnt = struct.unpack('>HB', b[p:p+3]); assoc = b[p+3:p+3+cnt]; p += 3 + cnt
    if item == pitm:
        assoc = assoc + bytes([0x80 | (nprops + 1)]); cnt += 1
    ipma += struct.pack('>HB', item, cnt) + assoc
struct.pack_into('>I', ipma, 0, len(ipma))
irot = struct.pack('>I4sB', 9, b'irot', angle & 3)
ipco = bytearray(b[ipco_o:ipco_o+ipco_s]) + irot; struct.pack_into('>I', ipco, 0, len(ipco))
rest = b[ipco_o+ipco_s:iprp_o+iprp_s]
rest = rest.replace(bytes(b[ipma_o:ipma_o+ipma_s]), bytes(ipma))
iprp = bytearray(b[iprp_o:iprp_o+8]) + ipco + rest; struct.pack_into('>I', iprp, 0, len(iprp))
delta = len(iprp) - iprp_s
out = b[:iprp_o] + iprp + b[iprp_o+iprp_s:]
struct.pack_into('>I', out, meta, msize + delta)
# iloc (it comes before iprp: same place): offset and length 4 bytes, base offset 0 or 4 bytes
io, _ = kids[b'iloc']; v = out[io+8]; assert out[io+12] == 0x44 and out[io+13] in (0x00, 0x40)
bs = out[io+13] >> 4
p = io + 14; cnt = struct.unpack('>H', out[p:p+2])[0]; p += 2
for _ in range(cnt):
    p += 2  # item_ID
    cm = 0
    if v == 1:
        cm = struct.unpack('>H', out[p:p+2])[0] & 0xF; p += 2
    p += 2  # data_reference_index
    if bs:
        base = struct.unpack('>I', out[p:p+4])[0]
        if cm == 0 and base > iprp_o:
            struct.pack_into('>I', out, p, base + delta)
        p += 4
    ext = struct.unpack('>H', out[p:p+2])[0]; p += 2
    for _ in range(ext):
        off = struct.unpack('>I', out[p:p+4])[0]
        if cm == 0 and off > iprp_o:
            struct.pack_into('>I', out, p, off + delta)
        p += 8
open(dst, 'wb').write(out)
