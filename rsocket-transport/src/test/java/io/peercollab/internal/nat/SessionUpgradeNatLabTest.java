// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.peercollab.IpLiterals;
import io.peercollab.internal.nat.NatLab.Nat;
import io.peercollab.rsocket.SessionUpgradeEndpointMain;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14's upgrade, between two hosts behind full-cone NATs in a {@link NatLab}, each a child JVM with the RSocket
 * transport ({@link SessionUpgradeEndpointMain}) and the lab's coturn as TURN and STUN server: Alice dials Bob's
 * relayed address, and a session of 10,000 messages each way (Bob echoes them) is relayed through coturn until the
 * hole punch succeeds, then moves to the punched connection mid-stream. Every message arrives exactly once and in
 * order both ways, the relayed connection closes after the move, and what the relay carried, captured with tcpdump on
 * this namespace (the lab's "Internet", where coturn runs), is TLS records only: content types 20 to 23, version
 * 0x0303, lengths at most 2^14 + 256, and no message's text.
 *
 * <p>Without root, nftables, coturn or tcpdump the test is skipped with the reason (failed under
 * {@code PEERCOLLAB_CI}); the lab refuses to be built in a namespace with an interface other than loopback.
 */
@Tag("slow")
class SessionUpgradeNatLabTest {

	private static final int MESSAGES = 10_000;

	private static final Duration WAIT = Duration.ofSeconds(60);

	private static final Path TCPDUMP = Path.of("/usr/bin/tcpdump");

	private static CoturnServer coturn;

	@RegisterExtension
	static final CoturnForClass COTURN = CoturnForClass.withNatLab(false, s -> coturn = s);

	@Test
	void aSessionRelayedBetweenFullConesMovesToThePunchedConnectionAndTheRelaySeesOnlyTls() throws Exception {
		CoturnServer.skipOrFail("the relay cannot be captured", Files.isExecutable(TCPDUMP) ? null
				: TCPDUMP + " is missing (`apt-get install tcpdump`, as .ci/run does as root)");
		String turn = IpLiterals.toString(coturn.primary());
		Path capture = Files.createTempFile("peercollab-relay", ".pcap");
		try (NatLab labA = NatLab.build(Nat.FULL_CONE, true);
				NatLab labB = NatLab.build(Nat.FULL_CONE, true);
				LabChild bob = LabChild.start(labB, "upgrade-bob", WAIT, SessionUpgradeEndpointMain.class, "bob",
						labB.hostAddress(), turn)) {
			String[] ready = bob.await("READY ").split(" ");
			String relayIp = ready[2];
			String relayPort = ready[3];
			// everything to and from Bob's relayed address: what the relay carries between Alice and Bob
			Process tcpdump = new ProcessBuilder(TCPDUMP.toString(), "-i", "any", "-U", "-n", "-w", capture.toString(),
					"tcp and host " + relayIp + " and port " + relayPort).redirectErrorStream(true).start();
			CompletableFuture<String> tcpdumpOutput = new CompletableFuture<>();
			try {
				BufferedReader tcpdumpLines = new BufferedReader(new InputStreamReader(tcpdump.getInputStream(),
						StandardCharsets.UTF_8));
				// it captures once it says so (a warning may come before)
				StringBuilder head = new StringBuilder();
				for (String l; (l = tcpdumpLines.readLine()) != null; ) {
					head.append(l).append('\n');
					if (l.contains("listening on")) {
						break;
					}
				}
				assertThat(head.toString()).as("tcpdump started").contains("listening on");
				Thread rest = new Thread(() -> {
					StringBuilder b = new StringBuilder(head);
					try {
						for (String l; (l = tcpdumpLines.readLine()) != null; ) {
							b.append(l).append('\n');
						}
					}
					catch (IOException e) {
						// ended
					}
					tcpdumpOutput.complete(b.toString());
				}, "tcpdump-output");
				rest.setDaemon(true);
				rest.start();
				try (LabChild alice = LabChild.start(labA, "upgrade-alice", WAIT, SessionUpgradeEndpointMain.class,
						"alice", labA.hostAddress(), turn, ready[1], relayIp, relayPort, Integer.toString(MESSAGES))) {
					assertThat(alice.await("CONNECTED ")).as(alice.output()).isEqualTo("CONNECTED RELAYED");
					String session = alice.await("SESSION ", "SESSIONFAILED ");
					String moved = alice.await("MOVED ");
					System.out.println("Relayed session between full cones: " + session + "; " + moved + "\n  "
							+ alice.output().lines().filter(l -> l.startsWith("PUNCH ")).findFirst().orElse("PUNCH ?"));
					assertThat(session).as("Alice's echoes:\n%s\nBob:\n%s", alice.output(), bob.output())
							.startsWith("SESSION " + MESSAGES + " in-order ");
					assertThat(bob.await("RECEIVED ")).as("what Bob received").isEqualTo("RECEIVED " + MESSAGES
							+ " in-order");
					assertThat(moved).as("the session moved once, to the punched connection")
							.startsWith("MOVED 1 HOLE_PUNCHED ");
					// nothing is left on the relayed connection: it closes, Bob keeps the punched one only
					bob.send("AWAITCONNECTIONS 1");
					assertThat(bob.await("CONNECTIONS ")).as("Bob's inbound connections after the move").isEqualTo("CONNECTIONS 1");
					alice.send("EXIT");
				}
				bob.send("EXIT");
			}
			finally {
				// SIGTERM: it writes what it has, prints its counts and exits (Process.destroy would also close the
				// pipe its counts come on)
				tcpdump.toHandle().destroy();
				if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
					tcpdump.destroyForcibly();
				}
			}
			String stats = tcpdumpOutput.get(10, TimeUnit.SECONDS);
			assertThat(stats).as("tcpdump dropped nothing").containsPattern("(?m)^0 packets dropped by kernel");
			Map<String, Stream> streams = streams(Files.readAllBytes(capture));
			System.out.println("Captured at the relay: " + streams.entrySet().stream()
					.map(e -> e.getKey() + " " + e.getValue().bytes.length + " bytes" + (e.getValue().closed ? ", closed"
							: "")).toList());
			assertThat(streams).as("both directions of the relayed connection").hasSizeGreaterThanOrEqualTo(2);
			for (Map.Entry<String, Stream> e : streams.entrySet()) {
				byte[] bytes = e.getValue().bytes;
				// past the handshake: the connection's SETUP, hello and session travelled the relay too
				assertThat(tlsRecords(bytes, e.getKey())).as("TLS application data records from %s", e.getKey())
						.isGreaterThanOrEqualTo(2);
				assertThat(new String(bytes, StandardCharsets.ISO_8859_1))
						.as("the relay never sees a message's text").doesNotContain(SessionUpgradeEndpointMain.MARK);
			}
			assertThat(streams.values()).as("the relayed connection was closed").anyMatch(s -> s.closed);
		}
		finally {
			Files.deleteIfExists(capture);
		}
	}

	/**
	 * @return how many TLS application data records (content type 23) {@code bytes} holds, end to end
	 * @throws AssertionError naming the offset and the field if it is not a sequence of TLS records
	 */
	private static int tlsRecords(byte[] bytes, String what) {
		int i = 0;
		int n = 0;
		while (i < bytes.length) {
			assertThat(bytes.length - i).as("%s: a TLS record header at offset %d", what, i).isGreaterThanOrEqualTo(5);
			int type = bytes[i] & 0xff;
			int version = (bytes[i + 1] & 0xff) << 8 | bytes[i + 2] & 0xff;
			int length = (bytes[i + 3] & 0xff) << 8 | bytes[i + 4] & 0xff;
			assertThat(type).as("%s: content type at offset %d", what, i).isBetween(20, 23);
			assertThat(version).as("%s: record version at offset %d", what, i).isEqualTo(0x0303);
			assertThat(length).as("%s: record length at offset %d", what, i).isLessThanOrEqualTo((1 << 14) + 256);
			assertThat(bytes.length - i - 5).as("%s: the record at offset %d whole", what, i)
					.isGreaterThanOrEqualTo(length);
			i += 5 + length;
			n += type == 23 ? 1 : 0;
		}
		return n;
	}

	/** One direction of a TCP connection, put back together from the captured segments. */
	private static final class Stream {

		final List<long[]> segments = new ArrayList<>(); // {sequence number, offset in the capture, length}
		Long isn;
		boolean closed;
		byte[] bytes;
	}

	/**
	 * @return each direction of each TCP connection in a pcap capture ({@code src > dst}), its payload in sequence
	 *     order (a segment seen twice, on two interfaces or sent again, counts once)
	 * @throws AssertionError if a direction has a gap
	 */
	private static Map<String, Stream> streams(byte[] pcap) {
		ByteBuffer b = ByteBuffer.wrap(pcap);
		int magic = b.getInt(0);
		b.order(magic == 0xa1b2c3d4 || magic == 0xa1b23c4d ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
		int linkType = b.getInt(20);
		int linkHeader = switch (linkType) {
			case 1 -> 14; // Ethernet
			case 113 -> 16; // Linux cooked capture
			case 276 -> 20; // Linux cooked capture v2
			case 101 -> 0; // raw IP
			case 0 -> 4; // BSD loopback
			default -> throw new AssertionError("a capture of link type " + linkType);
		};
		Map<String, Stream> streams = new LinkedHashMap<>();
		int i = 24;
		while (i + 16 <= pcap.length) {
			int captured = b.getInt(i + 8);
			int original = b.getInt(i + 12);
			assertThat(captured).as("a packet captured whole").isEqualTo(original);
			int ip = i + 16 + linkHeader;
			i += 16 + captured;
			if ((pcap[ip] & 0xf0) != 0x40 || pcap[ip + 9] != 6) {
				continue; // not IPv4 TCP
			}
			int ipLength = (pcap[ip + 2] & 0xff) << 8 | pcap[ip + 3] & 0xff;
			int tcp = ip + (pcap[ip] & 0x0f) * 4;
			int payload = tcp + ((pcap[tcp + 12] & 0xf0) >> 4) * 4;
			int length = ip + ipLength - payload;
			String key = address(pcap, ip + 12, tcp) + " > " + address(pcap, ip + 16, tcp + 2);
			Stream s = streams.computeIfAbsent(key, k -> new Stream());
			long seq = ByteBuffer.wrap(pcap, tcp + 4, 4).order(ByteOrder.BIG_ENDIAN).getInt() & 0xffff_ffffL;
			int flags = pcap[tcp + 13] & 0xff;
			if ((flags & 0x02) != 0) {
				s.isn = seq; // SYN
			}
			if ((flags & 0x05) != 0) {
				s.closed = true; // FIN or RST
			}
			if (length > 0) {
				s.segments.add(new long[] {seq, payload, length});
			}
		}
		streams.forEach((key, s) -> {
			long base = s.isn != null ? s.isn + 1 : s.segments.stream().mapToLong(x -> x[0]).min().orElse(0);
			s.segments.sort((x, y) -> Long.compare((x[0] - base) & 0xffff_ffffL, (y[0] - base) & 0xffff_ffffL));
			java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
			long end = 0;
			for (long[] seg : s.segments) {
				long from = (seg[0] - base) & 0xffff_ffffL;
				assertThat(from).as("%s: no gap in the capture before relative sequence number %d", key, from)
						.isLessThanOrEqualTo(end);
				long skip = end - from;
				if (skip < seg[2]) {
					out.write(pcap, (int) (seg[1] + skip), (int) (seg[2] - skip));
					end = from + seg[2];
				}
			}
			s.bytes = out.toByteArray();
		});
		streams.values().removeIf(s -> s.bytes.length == 0 && !s.closed);
		return streams;
	}

	private static String address(byte[] pcap, int ip, int port) {
		return (pcap[ip] & 0xff) + "." + (pcap[ip + 1] & 0xff) + "." + (pcap[ip + 2] & 0xff) + "."
				+ (pcap[ip + 3] & 0xff) + ":" + ((pcap[port] & 0xff) << 8 | pcap[port + 1] & 0xff);
	}
}
