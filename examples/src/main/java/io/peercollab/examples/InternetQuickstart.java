// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.peercollab.InvitationResponse;
import io.peercollab.IpLiterals;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.dht.MainlineDht;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import io.peercollab.spi.ContactStore;
import reactor.core.publisher.Mono;

/**
 * The README's Internet snippet: an endpoint that publishes its address in the Mainline DHT and invites a contact it
 * knows only by its card. The code between the {@code region} comments is the README's snippet, character for
 * character (a test checks it, and runs {@link #invite} between two endpoints).
 *
 * <p>Usage: {@code InternetQuickstart HOME PUBLIC_IP PORT BOBS_CARD.xml}: Alice's files in {@code HOME}, reachable at
 * {@code PUBLIC_IP} (a router's public address as an IP literal) and {@code PORT} (forwarded there), inviting the owner
 * of the card.
 */
public final class InternetQuickstart {

	static final Duration WAIT = Duration.ofSeconds(60);
	static final char[] PASSWORD = System.getenv().getOrDefault("PEERCOLLAB_PASSWORD", "change me").toCharArray();

	private InternetQuickstart() {
	}

	/** Publishes this endpoint in the public DHT, imports the card and invites its owner; prints the answer. */
	public static void main(String[] args) throws Exception {
		MainlineDht dht = MainlineDht.builder().build();                    // default bootstrap: the public DHT routers
		PeerCollaboration alice = endpoint(Path.of(args[0]), "alice", dht,
				new InetSocketAddress(IpLiterals.parseAddress(args[1]), Integer.parseInt(args[2])));
		try {
			PeerContact bob = alice.contacts().importCard(Files.readString(Path.of(args[3]))).block(WAIT);
			System.out.println("Alice got " + invite(alice, bob).block(WAIT));
		}
		finally {
			Mono.when(alice.close(), dht.close()).block(WAIT);
		}
	}

	// region readme-internet
	static final PeerApplication WHITEBOARD = PeerApplication.of(
			UUID.fromString("5d1c3c1e-7f0a-4a53-9b7e-3f6f0c2a9e11"), "Whiteboard", PeerScope.INTERNET);

	static PeerCollaboration endpoint(Path home, String name, MainlineDht dht, InetSocketAddress publicAddress) {
		return PeerCollaboration.builder()
				.identity(PeerIdentity.loadOrGenerate(home.resolve(name + ".p12"), PASSWORD, name)) // Ed25519 signs the DHT record
				.contactStore(ContactStores.h2(home.resolve(name + "-contacts")))
				.transport(RSocketPeerTransport.tcp().port(publicAddress.getPort()))
				.nameResolver(dht).namePublisher(dht)
				// behind NAT: the router's public address and the forwarded port (default: where the endpoint listens)
				.advertisedEndPoints(List.of(PeerEndPoint.of(publicAddress)))
				.build();
	}

	static Mono<InvitationResponse> invite(PeerCollaboration me, PeerContact contact) {
		return me.registerApplication(WHITEBOARD)
				.then(me.signIn(PeerScope.INTERNET))                             // publishes the signed record
				.then(me.peer(contact).invite(WHITEBOARD, "join me?", null));    // resolves the contact by its key
	}
	// endregion
}
