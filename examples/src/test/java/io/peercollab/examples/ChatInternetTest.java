// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.peercollab.dht.DhtTestNetwork;
import io.peercollab.dht.MainlineDht;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.examples.ChatTest.RunningChat;
import io.peercollab.rsocket.RSocketPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two chats that are not near each other (each runs discovery with a service type of its own, as on two networks)
 * find each other as contacts through a test network of real mldht nodes, from cards that carry no address. Runs only
 * inside a loopback-only network namespace ({@code bash .ci/run} provides one); elsewhere each test is skipped and says
 * why.
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChatInternetTest {

	@RegisterExtension
	static final DhtTestNetwork.PerClass DHT = new DhtTestNetwork.PerClass(16);

	@TempDir
	Path tmp;

	private final List<RunningChat> started = new ArrayList<>();
	private final List<MainlineDht> nodes = new ArrayList<>();

	@AfterEach
	void endWhatIsStillRunning() {
		started.forEach(RunningChat::endInput);
		started.forEach(RunningChat::awaitEndQuietly);
		nodes.forEach(n -> n.close().block(Duration.ofSeconds(10)));
	}

	/** A chat on an address of its own, alone on its own "network" for discovery, with a DHT node of its own. */
	private RunningChat start(String nickname) {
		MainlineDht dht = MainlineDht.builder().bindAddress(DHT.network().newAddress()).bootstrapNodes(DHT.network().bootstrap())
				.build();
		nodes.add(dht);
		String serviceType = String.format(Locale.ROOT, "_far%08x._tcp.local.", ThreadLocalRandom.current().nextInt());
		String host = DHT.network().newAddress().getHostAddress();
		RunningChat chat = new RunningChat(nickname, tmp.resolve(nickname), c -> c
				.discovery(MdnsDiscovery.onInterfaces("lo").serviceType(serviceType))
				.transport(RSocketPeerTransport.tcp().host(host))
				.dht(dht));
		started.add(chat);
		return chat;
	}

	@Test
	void contactsFarApartFindEachOtherThroughTheDhtFromCardsAlone() {
		RunningChat alice = start("alice");
		RunningChat bob = start("bob");
		String aliceAt = alice.await("^\\* on the Internet through the Mainline DHT, reachable at (198\\.51\\.100\\.\\d+:\\d+)$")
				.group(1);
		bob.await("^\\* on the Internet through the Mainline DHT, reachable at 198\\.51\\.100\\.\\d+:\\d+$");

		Path aliceCard = tmp.resolve("alice.xml");
		Path bobCard = tmp.resolve("bob.xml");
		alice.type("export " + aliceCard);
		alice.await("^\\* wrote my contact card");
		bob.type("export " + bobCard);
		bob.await("^\\* wrote my contact card");
		assertThat(aliceCard).content().doesNotContain(aliceAt.substring(0, aliceAt.indexOf(':')));
		alice.type("import " + bobCard);
		alice.await("^\\* imported bob as a contact$");
		bob.type("import " + aliceCard);
		bob.await("^\\* imported alice as a contact$");

		bob.type("peers");
		bob.await("^  nobody near me yet");
		bob.type("contacts");
		bob.await("^  alice +ONLINE$");

		bob.type("invite alice across the Internet");
		alice.await("^! invitation from bob: across the Internet \\(accept or decline\\)$");
		alice.type("accept");
		alice.await("^\\* chatting with bob: ");
		bob.await("^! alice accepted$");
		alice.type("hello from far away");
		bob.await("^<alice> hello from far away$");

		alice.type("quit");
		assertThat(alice.exitCode()).isZero();
		bob.type("quit");
		assertThat(bob.exitCode()).isZero();
		assertThat(alice.errorLines()).isEmpty();
		assertThat(bob.errorLines()).isEmpty();
	}
}
