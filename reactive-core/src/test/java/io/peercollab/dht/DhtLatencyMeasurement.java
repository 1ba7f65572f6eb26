package io.peercollab.dht;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Publish, resolve and miss latency of {@link MainlineDht} on a private 16-node DHT of mldht nodes: 25 runs each,
 * printing median, p90, min and max. A miss is a resolve of a key that has no record. Run on request: {@code -Dgroups=measurement} (in a loopback-only namespace, see
 * {@link DhtTestNetwork}).
 */
@Tag("measurement")
@Timeout(300)
class DhtLatencyMeasurement {

	private static final int RUNS = 25;

	private static final Duration WAIT = Duration.ofSeconds(20);

	@Test
	void publishAndResolveLatency() throws Exception {
		DhtTestNetwork.assumeAvailable();
		try (DhtTestNetwork network = DhtTestNetwork.start(16)) {
			List<Double> publish = new ArrayList<>();
			List<Double> resolve = new ArrayList<>();
			List<Double> miss = new ArrayList<>();
			int found = 0;
			for (int i = 0; i < RUNS; i++) {
				// fresh instances per run: mldht throttles requests per destination IP (10 in a burst, then 2/s),
				// which one instance asking the same 16 nodes 25 times would measure instead of the DHT
				MainlineDht publisher = dht(network, network.newAddress());
				MainlineDht resolver = dht(network, network.newAddress());
				publisher.start().and(resolver.start()).block(WAIT);
				PeerIdentity identity = PeerIdentity.generate("m" + i, KeyType.ED25519);
				PeerEndPoint endPoint = PeerEndPoint.of(
						new InetSocketAddress(InetAddress.getByName("203.0.113." + (i + 1)), 5000 + i));
				long t0 = System.nanoTime();
				publisher.publish(identity, List.of(endPoint)).block(WAIT);
				publish.add((System.nanoTime() - t0) / 1e6);

				PeerContact contact = PeerContact.of(identity.name(), "m", identity.certificate());
				long t1 = System.nanoTime();
				if (resolver.resolve(contact).next().block(WAIT) != null) {
					found++;
				}
				resolve.add((System.nanoTime() - t1) / 1e6);

				PeerIdentity absent = PeerIdentity.generate("absent" + i, KeyType.ED25519);
				long t2 = System.nanoTime();
				if (resolver.resolve(PeerContact.of(absent.name(), "m", absent.certificate())).next().block(WAIT)
						!= null) {
					throw new AssertionError("a key without a record resolved");
				}
				miss.add((System.nanoTime() - t2) / 1e6);
				publisher.close().and(resolver.close()).block(WAIT);
			}
			System.out.println("DHT latency, 16 nodes, " + RUNS + " runs (ms): publish " + summary(publish)
					+ "; resolve to first record " + summary(resolve) + "; resolved " + found + "/" + RUNS
					+ "; miss " + summary(miss));
		}
	}

	private static MainlineDht dht(DhtTestNetwork network, InetAddress address) {
		return MainlineDht.builder().bindAddress(address).bootstrapNodes(network.bootstrap()).build();
	}

	private static String summary(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		Collections.sort(sorted);
		return String.format("median %.1f, p90 %.1f, min %.1f, max %.1f", sorted.get(sorted.size() / 2),
				sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1), sorted.get(0), sorted.get(sorted.size() - 1));
	}
}
