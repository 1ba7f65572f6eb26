// SPDX-License-Identifier: Apache-2.0
// Foreign Mainline DHT nodes for PeerCollab's tests: one process runs several webtorrent `bittorrent-dht` nodes,
// each bound to one of the addresses given on the command line (port 0), seeded with each other and nothing else
// (no public router, no DNS). Driven by ForeignDhtNodes.java over stdin/stdout, one command per line:
//
//   <id> seed <host> <port>                  every node adds <host>:<port> to its table
//   <id> get <node> <k-hex>                  node <node> runs a BEP 44 get lookup of the key's item (signature checked);
//                                            replies `ok <k-hex> <seq> <v-hex> <sig-hex>` (v bencoded, as signed) or `ok none`
//   <id> put <node> <k-hex> <seq> <v-hex> <sig-hex>   node <node> runs a BEP 44 mutable put of a value signed elsewhere
//                                            (v as raw bytes, not bencoded)
//   <id> plant <node> <k-hex> <seq> <v-hex> <sig-hex> stores the item in node <node> without checking it (a forged or
//                                            stale record held by a node that did not verify it)
//   <id> held <k-hex>                        which nodes hold an item of the key, and its seq (`ok <node>:<seq> ...`)
//   <id> delay <node> <ms>                   node <node> answers every query <ms> late from now on (0: on time)
//
// Replies, one line each: `<id> ok [fields]` or `<id> error <message>`. The first line printed is
// `nodes <host>:<port> ...` once every node listens. The process ends when stdin closes.
import DHT from 'bittorrent-dht'
import crypto from 'node:crypto'
import readline from 'node:readline'

function verify (sig, msg, k) {
  try {
    const key = crypto.createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(k).toString('base64url') },
      format: 'jwk'
    })
    return crypto.verify(null, msg, key, sig)
  } catch (e) {
    return false
  }
}

const hosts = process.argv.slice(2)
const nodes = hosts.map(() => new DHT({ bootstrap: false, verify }))
await Promise.all(nodes.map((dht, i) => new Promise((resolve, reject) => {
  dht.once('error', reject)
  dht.listen(0, hosts[i], resolve)
})))
const addrs = nodes.map((dht) => dht.address())
nodes.forEach((dht, i) => addrs.forEach((a, j) => { if (i !== j) dht.addNode({ host: a.address, port: a.port }) }))
process.stdout.write('nodes ' + addrs.map((a) => a.address + ':' + a.port).join(' ') + '\n')

const reply = (id, line) => process.stdout.write(id + ' ' + line + '\n')
const hex = (b) => (b ? Buffer.from(b).toString('hex') : '-')
const node = (i) => {
  const n = nodes[Number(i)]
  if (!n) throw new Error('no node ' + i)
  return n
}
const item = (k, seq, v, sig) => ({ k: Buffer.from(k, 'hex'), seq: Number(seq), v: Buffer.from(v, 'hex'), sig: Buffer.from(sig, 'hex') })
const target = (k) => crypto.createHash('sha1').update(Buffer.from(k, 'hex')).digest()

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [id, cmd, ...args] = line.trim().split(/\s+/)
  try {
    if (cmd === 'seed') {
      nodes.forEach((dht) => dht.addNode({ host: args[0], port: Number(args[1]) }))
      reply(id, 'ok')
    } else if (cmd === 'get') {
      node(args[0]).get(target(args[1]), { verify }, (err, res) => {
        if (err) return reply(id, 'error ' + err.message.replace(/\s+/g, '_'))
        if (!res) return reply(id, 'ok none')
        reply(id, 'ok ' + hex(res.k) + ' ' + res.seq + ' ' + hex(Buffer.concat([Buffer.from(res.v.length + ':'), res.v])) + ' ' + hex(res.sig))
      })
    } else if (cmd === 'put') {
      const it = item(args[1], args[2], args[3], args[4])
      node(args[0]).put({ k: it.k, seq: it.seq, v: it.v, sign: () => it.sig }, (err, hash, n) => {
        if (err) return reply(id, 'error ' + err.message.replace(/\s+/g, '_'))
        reply(id, 'ok ' + hex(hash) + ' ' + n)
      })
    } else if (cmd === 'plant') {
      const it = item(args[1], args[2], args[3], args[4])
      node(args[0])._values.set(target(args[1]).toString('hex'), { ...it, id: node(args[0]).nodeId })
      reply(id, 'ok')
    } else if (cmd === 'delay') {
      const dht = node(args[0])
      const ms = Number(args[1])
      // the client calls self._onquery for each query: an own property replaces the prototype's for this node only
      dht._onquery = ms > 0
        ? (query, peer) => setTimeout(() => DHT.prototype._onquery.call(dht, query, peer), ms)
        : DHT.prototype._onquery
      reply(id, 'ok')
    } else if (cmd === 'held') {
      const held = nodes.map((dht, i) => {
        const value = dht._values.get(target(args[0]).toString('hex'))
        return value ? i + ':' + value.seq : null
      }).filter((x) => x)
      reply(id, 'ok ' + (held.length ? held.join(' ') : 'none'))
    } else {
      reply(id, 'error unknown_command_' + cmd)
    }
  } catch (e) {
    reply(id, 'error ' + String(e.message).replace(/\s+/g, '_'))
  }
}).on('close', () => {
  nodes.forEach((dht) => dht.destroy())
  process.exit(0)
})
