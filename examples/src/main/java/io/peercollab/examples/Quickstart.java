package io.peercollab.examples;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.peercollab.ChangeType;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerScope;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import reactor.core.publisher.Mono;

/**
 * The README's quickstart: Alice and Bob find each other on this machine, Alice invites Bob, Bob accepts.
 */
public final class Quickstart {

	static final PeerApplication HELLO = PeerApplication.of(
			UUID.fromString("0b6f2d1e-8a41-4c3e-9f5d-2a7c6e1b4d93"), "Hello", PeerScope.NEAR_ME);
	static final Duration WAIT = Duration.ofSeconds(30);

	/** Runs the quickstart. */
	public static void main(String[] args) {
		run();
	}

	/** @return Bob's answer to Alice's invitation */
	public static InvitationStatus run() {
		PeerCollaboration alice = endpoint("alice");
		PeerCollaboration bob = endpoint("bob");
		try {
			for (PeerCollaboration p : List.of(alice, bob)) {
				p.registerApplication(HELLO).then(p.signIn(PeerScope.NEAR_ME)).block(WAIT);
			}
			bob.invitations().flatMap(Invitation::accept).subscribe();        // Bob accepts every invitation
			find(bob, alice);                                                   // about 4 s on loopback
			InvitationResponse response = find(alice, bob).invite(HELLO, "Hello, Bob!", null).block(WAIT);
			System.out.println("Alice got " + response);                       // InvitationResponse[ACCEPTED]
			return response.status();
		}
		finally {
			Mono.when(alice.close(), bob.close()).block(WAIT);
		}
	}

	private static PeerCollaboration endpoint(String name) {
		return PeerCollaboration.builder()
				.identity(PeerIdentity.generate(name))
				.discovery(MdnsDiscovery.onLoopback())                      // on a LAN: defaultInterfaces()
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1"))  // on a LAN: tcp()
				.build();
	}

	/** Waits until {@code who} sees {@code other} among the people near it. */
	private static PeerNearMe find(PeerCollaboration who, PeerCollaboration other) {
		return who.peersNearMe()
				.filter(e -> e.type() == ChangeType.ADDED && e.peer().name().equals(other.name()))
				.blockFirst(WAIT)
				.peer();
	}
}
