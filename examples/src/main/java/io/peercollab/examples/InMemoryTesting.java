// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.time.Duration;
import java.util.UUID;

import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.Peer;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * How a user's test runs two endpoints with no network: the README's "Test your application without a network".
 * Alice invites Bob on an in-memory network, Bob accepts; then the network is cut under Bob, and Alice reaches him
 * again (the transport stays bound, as a real endpoint whose link came back).
 */
public final class InMemoryTesting {

	private InMemoryTesting() {
	}

	/** @return Bob's two answers: to the invitation before the cut, and to the one after it */
	public static InvitationResponse[] run() {
		// region readme-in-memory
		InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
		PeerCollaboration alice = PeerCollaboration.builder()
				.identity(PeerIdentity.generate("alice")).transport(network.transport()).build();
		PeerCollaboration bob = PeerCollaboration.builder()
				.identity(PeerIdentity.generate("bob")).transport(network.transport()).build();
		PeerApplication chat = PeerApplication.of(UUID.randomUUID(), "Chat", PeerScope.INTERNET);
		bob.registerApplication(chat)
				.then(bob.contacts().add(PeerContact.of(alice.name(), "Alice", alice.identity().certificate())))
				.then(alice.signIn(PeerScope.INTERNET)).then(bob.signIn(PeerScope.INTERNET)).block();
		Disposable accepting = bob.invitations().flatMap(Invitation::accept).subscribe();

		Peer bobSeenByAlice = alice.peer(bob.name(), bob.endPoints().get(0));
		InvitationResponse answer = bobSeenByAlice.invite(chat, "join me", null).block(); // ACCEPTED
		network.cut(bob.name()); // what Alice sees when Bob's network fails
		// endregion
		try {
			return new InvitationResponse[] { answer,
					bobSeenByAlice.invite(chat, "again", null).block(Duration.ofSeconds(10)) };
		}
		finally {
			accepting.dispose();
			Mono.when(alice.close(), bob.close()).block(Duration.ofSeconds(10));
		}
	}
}
