# Minimal DNS responder for fixture recording: A 10.0.0.1 for web.porthole.test, NXDOMAIN otherwise.
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
s.settimeout(15)
try:
    while True:
        data, peer = s.recvfrom(512)
        qid, flags, qd = struct.unpack('>HHH', data[:6])
        i = 12; labels = []
        while data[i]:
            labels.append(data[i+1:i+1+data[i]].decode()); i += 1 + data[i]
        qend = i + 5
        qtype = struct.unpack('>H', data[i+1:i+3])[0]
        name = '.'.join(labels)
        question = data[12:qend]
        if name == 'web.porthole.test':
            ans = b''
            an = 0
            if qtype == 1:
                ans = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + bytes([10, 0, 0, 1]); an = 1
            resp = struct.pack('>HHHHHH', qid, 0x8180, 1, an, 0, 0) + question + ans
        else:
            resp = struct.pack('>HHHHHH', qid, 0x8183, 1, 0, 0, 0) + question
        s.sendto(resp, peer)
except socket.timeout:
    pass
