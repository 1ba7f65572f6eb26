// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.peercollab.IpLiterals;
import io.peercollab.internal.nat.StunClient.Retransmission;

/**
 * What a host inside a {@link NatLab} runs (a child JVM there): RFC 5780 discovery against the server given as
 * {@code ip:port}, printed as one line {@code RESULT <behindNat> <mapping> <filtering> <mapped> <local>}.
 */
final class NatLabProbe {

	private NatLabProbe() {
	}

	public static void main(String[] args) {
		InetSocketAddress server = IpLiterals.parseSocketAddress(args[0]);
		Retransmission answered = new Retransmission(Duration.ofMillis(100), 5, 4);
		// a filtering test's silence is its answer: short, since nothing on the lab's links loses datagrams
		Retransmission probe = new Retransmission(Duration.ofMillis(100), 2, 3);
		StunClient client = StunClient.bind(new InetSocketAddress("0.0.0.0", 0), answered).block(Duration.ofSeconds(10));
		try {
			long start = System.nanoTime();
			NatBehaviour b = NatBehaviourDiscovery.discover(client, server, answered, probe).block(Duration.ofSeconds(20));
			System.out.printf("RESULT %s %s %s %s %s %.1f%n", b.behindNat(), b.mapping(), b.filtering(),
					IpLiterals.toString(b.mappedAddress()), IpLiterals.toString(b.localAddress()),
					(System.nanoTime() - start) / 1e6);
		}
		finally {
			client.close().block(Duration.ofSeconds(10));
		}
		System.exit(0);
	}
}
