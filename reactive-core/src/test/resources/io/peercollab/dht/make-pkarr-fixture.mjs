// SPDX-License-Identifier: Apache-2.0
// Writes pkarr-npm-1.3.0-relative-names.txt: a Pkarr record as npm pkarr 1.3.0 signs it, with names as a Pkarr user
// writes them (relative to the key), for io.peercollab.dht.PkarrCodecTest. Not run by the build. To make it again:
// npm install pkarr@1.3.0 dns-packet@5.6.1 && node make-pkarr-fixture.mjs > pkarr-npm-1.3.0-relative-names.txt
import { SignedPacket, generateKeyPair, z32, dns } from 'pkarr'

// RFC 8032 test key 1
const keyPair = generateKeyPair(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'))

const packet = {
  id: 0,
  type: 'response',
  flags: dns.AUTHORITATIVE_ANSWER,
  answers: [
    { type: 'SRV', name: '_peercollab._tcp', ttl: 600, data: { priority: 0, weight: 0, port: 4711, target: 'e0' } },
    { type: 'A', name: 'e0', ttl: 600, data: '203.0.113.7' },
    { type: 'SRV', name: '_peercollab._tcp', ttl: 3600, data: { priority: 1, weight: 0, port: 4712, target: 'e1' } },
    { type: 'AAAA', name: 'e1', ttl: 60, data: '2001:db8::7' },
    { type: 'TXT', name: '_peercollab', ttl: 300, data: 'v=1' },
    // foreign records of the same key, to be ignored
    { type: 'A', name: '@', ttl: 30, data: '192.0.2.1' },
    { type: 'TXT', name: '_matrix', ttl: 30, data: '@alice:example.org' }
  ]
}
const signed = SignedPacket.fromPacket(keyPair, packet, { timestamp: 1765000000000000 })
const args = signed.bep44Args()
// read back as a Pkarr reader would
const read = SignedPacket.fromBytes(keyPair.publicKey, signed.bytes())
if (read.resourceRecords('_peercollab').length !== 1) throw new Error('TXT not found by pkarr')
console.log('# A Pkarr record signed by npm pkarr 1.3.0 (SignedPacket.fromPacket, dns-packet ' +
  JSON.parse((await import('fs')).readFileSync('node_modules/dns-packet/package.json')).version +
  ') with names as a Pkarr user writes them:')
console.log('# SRV _peercollab._tcp -> e0 (A, TTL 600) and e1 (AAAA, TTL 60, SRV TTL 3600), TXT _peercollab v=1,')
console.log('# foreign A @ and TXT _matrix. Made by make-pkarr-fixture.mjs next to this file.')
console.log('key=' + Buffer.from(keyPair.publicKey).toString('hex'))
console.log('z32=' + z32.encode(keyPair.publicKey))
console.log('seq=' + args.seq)
console.log('v=' + Buffer.from(args.v).toString('hex'))
console.log('sig=' + Buffer.from(args.sig).toString('hex'))
