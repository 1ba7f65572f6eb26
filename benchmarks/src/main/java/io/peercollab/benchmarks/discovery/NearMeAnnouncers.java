// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.discovery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;

import io.peercollab.TcpAddress;
import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.benchmarks.NothingHandler;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.TransportBinding;

/**
 * Peers near me for the memory benchmark, in a JVM of their own so that what they hold is not counted: each is a
 * PeerCollab transport binding on 127.0.0.1 (so that the observer can connect and verify its name) announced over
 * mDNS with the library's TXT record. They share one jmDNS instance: one process announcing many services. Reads
 * commands from standard input, one a line: {@code add <n>} announces n more peers and answers {@code added <total>};
 * {@code quit} withdraws them all and exits.
 */
public final class NearMeAnnouncers {

	private NearMeAnnouncers() {
	}

	/**
	 * @param args ignored
	 */
	public static void main(String[] args) throws Exception {
		JmDNS jmdns = BareMdns.open("bench-announcers");
		List<TransportBinding> bindings = new ArrayList<>();
		ExecutorService pool = Executors.newFixedThreadPool(16);
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		while ((line = in.readLine()) != null) {
			line = line.trim();
			if (line.startsWith("add ")) {
				int n = Integer.parseInt(line.substring(4).trim());
				List<Future<TransportBinding>> announced = new ArrayList<>();
				for (int i = 0; i < n; i++) {
					announced.add(pool.submit(() -> announce(jmdns)));
				}
				for (Future<TransportBinding> f : announced) {
					bindings.add(f.get());
				}
				System.out.println("added " + bindings.size());
				System.out.flush();
			}
			else if (line.equals("quit")) {
				break;
			}
		}
		jmdns.unregisterAllServices();
		jmdns.close();
		bindings.forEach(TransportBinding::dispose);
		pool.shutdownNow();
		System.exit(0);
	}

	private static TransportBinding announce(JmDNS jmdns) throws IOException {
		PeerIdentity identity = BenchPeers.freshIdentity("neighbour");
		TransportBinding binding = BenchPeers.transport().bind(identity, new NothingHandler())
				.block(BenchPeers.TIMEOUT);
		ServiceInfo info = BareMdns.service(BareMdns.instanceName("neighbour"), identity.name(), "neighbour",
				((TcpAddress) binding.address()).port());
		jmdns.registerService(info);
		return binding;
	}
}
