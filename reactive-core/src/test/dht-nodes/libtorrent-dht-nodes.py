#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Foreign Mainline DHT nodes for PeerCollab's tests: libtorrent-rasterbar (Debian's python3-libtorrent 2.0.8).

One process runs several libtorrent sessions with only the DHT enabled, each bound to one of the addresses given on
the command line (port 0), seeded with each other and nothing else (no routers, no DNS, no LSD/UPnP/NAT-PMP). Driven
by ForeignDhtNodes.java over stdin/stdout with the same line protocol as bittorrent-dht-nodes.mjs:

  <id> seed <host> <port>        every node adds <host>:<port> to its table
  <id> get <node> <k-hex>        node <node> runs a BEP 44 get of the key's item (libtorrent checks the signature);
                                 replies `ok <k-hex> <seq> <v-hex> <sig-hex>` (v bencoded, as signed) or `ok none`
  <id> stored                    how many mutable items each node stores (its dht.dht_mutable_data counter)

Replies: `<id> ok [fields]` or `<id> error <message>`. The first line is `nodes <host>:<port> ...`. The process ends
when stdin closes.
"""
import select
import sys
import time

import libtorrent as lt

SETTINGS = {
    'enable_dht': True, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
    'dht_bootstrap_nodes': '', 'dht_restrict_routing_ips': False, 'dht_restrict_search_ips': False,
    'dht_prefer_verified_node_ids': False, 'dht_enforce_node_id': False, 'dht_ignore_dark_internet': False,
    'dht_block_ratelimit': 100000,
    'alert_mask': lt.alert.category_t.dht_notification | lt.alert.category_t.stats_notification
    | lt.alert.category_t.dht_operation_notification,
}



def out(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def start(host):
    settings = dict(SETTINGS, listen_interfaces=host + ':0')
    s = lt.session(settings)
    deadline = time.time() + 10
    while s.listen_port() == 0 and time.time() < deadline:
        time.sleep(0.01)
    return s


hosts = sys.argv[1:]
nodes = [start(h) for h in hosts]
addrs = [(h, s.listen_port()) for h, s in zip(hosts, nodes)]
for i, s in enumerate(nodes):
    for j, a in enumerate(addrs):
        if i != j:
            s.add_dht_node(a)
out('nodes ' + ' '.join('%s:%d' % a for a in addrs))

pending = {}  # (node index, key hex) -> list of command ids waiting for a get
stats = {}    # node index -> command id waiting for its counters
stats_values = {}


def on_alert(i, a):
    if isinstance(a, lt.dht_mutable_item_alert) and a.authoritative:
        key = bytes(a.key).hex()
        for cid in pending.pop((i, key), []):
            try:
                # the bindings give the whole item as a dict: authoritative, key, salt, seq, signature, value
                item = a.item
                item = item.get('value', item.get(b'value')) if isinstance(item, dict) else item
            except RuntimeError:
                item = None  # an empty entry: nothing was found
            if item is None or a.seq == 0:
                out(cid + ' ok none')
            else:
                value = lt.bencode(item)
                out('%s ok %s %d %s %s' % (cid, key, a.seq, value.hex(), bytes(a.signature).hex()))
    elif isinstance(a, lt.session_stats_alert):
        stats_values[i] = a.values['dht.dht_mutable_data']


def command(line):
    cid, cmd, *args = line.split()
    try:
        if cmd == 'seed':
            for s in nodes:
                s.add_dht_node((args[0], int(args[1])))
            out(cid + ' ok')
        elif cmd == 'get':
            i, key = int(args[0]), args[1]
            pending.setdefault((i, key), []).append(cid)
            nodes[i].dht_get_mutable_item(bytes.fromhex(key), b'')
        elif cmd == 'stored':
            stats_values.clear()
            for s in nodes:
                s.post_session_stats()
            deadline = time.time() + 5
            while len(stats_values) < len(nodes) and time.time() < deadline:
                pump(0.01)
            out(cid + ' ok ' + ' '.join('%d:%d' % (i, stats_values.get(i, -1)) for i in range(len(nodes))))
        else:
            out(cid + ' error unknown_command_' + cmd)
    except Exception as e:  # noqa: BLE001 - reported to the test, the nodes go on
        out(cid + ' error ' + str(e).replace(' ', '_'))


def pump(timeout):
    for i, s in enumerate(nodes):
        for a in s.pop_alerts():
            on_alert(i, a)
    time.sleep(timeout)


while True:
    ready, _, _ = select.select([sys.stdin], [], [], 0.01)
    if ready:
        chunk = sys.stdin.readline()
        if not chunk:
            break
        command(chunk.strip())
    pump(0)
