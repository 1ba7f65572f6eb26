// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.dht.MainlineDht;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import io.peercollab.spi.ContactStore;
import io.peercollab.spi.InMemoryNameDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Internet snippet: {@link InternetQuickstart#invite} run between two endpoints on loopback that find
 * each other only through a name directory standing in for the DHT (so a snippet that builds publishers without
 * subscribing to them fails here), and {@link InternetQuickstart#endpoint} built as the README builds it.
 */
@Tag("slow")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InternetQuickstartTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@TempDir
	Path home;

	private final List<PeerCollaboration> open = new ArrayList<>();

	@AfterEach
	void closeAll() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private PeerCollaboration loopbackEndpoint(String name, InMemoryNameDirectory directory) {
		PeerCollaboration c = PeerCollaboration.builder()
				.identity(PeerIdentity.loadOrGenerate(home.resolve(name + ".p12"), InternetQuickstart.PASSWORD, name))
				.contactStore(ContactStores.inMemory())
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1"))
				.nameResolver(directory).namePublisher(directory)
				.build();
		open.add(c);
		return c;
	}

	@Test
	void theSnippetSignsInPublishesResolvesTheContactByItsKeyAndInvitesIt() {
		InMemoryNameDirectory directory = new InMemoryNameDirectory();
		PeerCollaboration alice = loopbackEndpoint("alice", directory);
		PeerCollaboration bob = loopbackEndpoint("bob", directory);
		bob.contacts().importCard(alice.contacts().exportCard()).block(WAIT);     // Bob knows Alice
		bob.registerApplication(InternetQuickstart.WHITEBOARD).then(bob.signIn(PeerScope.INTERNET)).block(WAIT);
		bob.invitations().flatMap(i -> i.accept()).subscribe();
		PeerContact bobsCard = alice.contacts().importCard(bob.contacts().exportCard()).block(WAIT);
		assertThat(bobsCard.endPoints()).as("the card carries no address: only the directory knows it").isEmpty();

		Mono<InvitationResponse> invitation = InternetQuickstart.invite(alice, bobsCard);
		assertThat(alice.signInScope()).as("nothing happens before subscribing").isEqualTo(PeerScope.NONE);
		InvitationResponse answer = invitation.block(WAIT);

		assertThat(answer.status()).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat(alice.signInScope()).isEqualTo(PeerScope.INTERNET);
		assertThat(directory.endPointsOf(alice.name())).as("Alice published her record").isNotEmpty();
	}

	@Test
	void theEndpointIsBuiltAsTheReadmeShowsWithAPersistentEd25519Identity() throws Exception {
		// Never started: the endpoint does not sign in, so the DHT node binds nothing and asks nobody.
		MainlineDht dht = MainlineDht.builder().bindAddress(InetAddress.getLoopbackAddress())
				.bootstrapNodes(List.of()).build();
		try {
			PeerCollaboration alice = InternetQuickstart.endpoint(home, "alice", dht,
					new InetSocketAddress("203.0.113.7", 40000));
			open.add(alice);

			assertThat(alice.identity().keyType()).as("the DHT record is signed with Ed25519")
					.isEqualTo(KeyType.ED25519);
			assertThat(PeerIdentity.load(home.resolve("alice.p12"), InternetQuickstart.PASSWORD).name())
					.isEqualTo(alice.name());
			assertThat(alice.signInScope()).isEqualTo(PeerScope.NONE);
		}
		finally {
			dht.close().block(WAIT);
		}
	}
}
