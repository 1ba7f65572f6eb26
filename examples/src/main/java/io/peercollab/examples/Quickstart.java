// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.peercollab.ChangeType;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.contact.ContactStores;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import io.peercollab.spi.ContactStore;
import reactor.core.publisher.Mono;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The README's quickstart: Alice and Bob, each with an identity file and a contact store that survive restarts, find
 * each other on this machine; Alice invites Bob, Bob accepts, Alice says hi. The code between the {@code region}
 * comments is the README's quickstart, character for character (a test checks it).
 */
public final class Quickstart {

	static final Duration WAIT = Duration.ofSeconds(30);

	private Quickstart() {
	}

	/**
	 * Runs the quickstart, keeping the identities and stores in {@code ~/.peercollab-quickstart} (or the directory
	 * given as the first argument); run it twice: the second run loads the same identities.
	 */
	public static void main(String[] args) {
		Path home = args.length > 0 ? Path.of(args[0])
				: Path.of(System.getProperty("user.home"), ".peercollab-quickstart");
		System.out.println("Alice got " + run(home));
	}

	// region readme-quickstart
	static final PeerApplication HELLO = PeerApplication.of(UUID.fromString("0b6f2d1e-8a41-4c3e-9f5d-2a7c6e1b4d93"),
			"Hello", PeerScope.NEAR_ME);
	static final char[] PASSWORD = System.getenv().getOrDefault("PEERCOLLAB_PASSWORD", "change me").toCharArray();

	static PeerCollaboration endpoint(Path home, String name) {
		return PeerCollaboration.builder()
				// the same identity on every run: generated and saved on the first, loaded afterwards
				.identity(PeerIdentity.loadOrGenerate(home.resolve(name + ".p12"), PASSWORD, name))
				// contacts and registered applications in an H2 file, kept across runs
				.contactStore(ContactStores.h2(home.resolve(name + "-contacts")))
				.discovery(MdnsDiscovery.onLoopback())                      // on a LAN: defaultInterfaces()
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1"))    // on a LAN: tcp()
				.build();
	}

	static InvitationStatus run(Path home) {
		PeerCollaboration alice = endpoint(home, "alice");
		PeerCollaboration bob = endpoint(home, "bob");
		try {
			for (PeerCollaboration p : List.of(alice, bob)) {
				p.registerApplication(HELLO).then(p.signIn(PeerScope.NEAR_ME)).block(WAIT);
			}
			bob.invitations().flatMap(Invitation::accept).subscribe();        // Bob accepts every invitation
			InvitationResponse response = alice.peersNearMe()                  // current peers first, then changes
					.filter(e -> e.type() == ChangeType.ADDED && e.peer().name().equals(bob.name()))
					.next()
					.flatMap(e -> e.peer().invite(HELLO, "Hello, Bob!", null))  // Mono<InvitationResponse>
					.block(WAIT);
			response.session().ifPresent(s -> s.send("hi".getBytes(UTF_8)).block(WAIT));
			return response.status();                                         // ACCEPTED
		}
		finally {
			Mono.when(alice.close(), bob.close()).block(WAIT);                 // signs out, closes the stores
		}
	}
	// endregion
}
