// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.nio.file.Path;
import java.util.List;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;

/**
 * The {@code <pre>{@code ...}</pre>} examples of {@code PeerIdentity} and {@code PeerCollaboration}'s Javadoc, compiled:
 * the code between each pair of {@code region} comments is one Javadoc example, character for character (a test checks
 * it, and runs the identity examples).
 */
final class JavadocExamples {

	private JavadocExamples() {
	}

	/** {@code PeerIdentity}'s everyday call. */
	static PeerIdentity everyday(Path home, char[] password) {
		// region javadoc-identity-everyday
		PeerIdentity me = PeerIdentity.loadOrGenerate(home.resolve("alice.p12"), password, "alice"); // Ed25519
		// endregion
		return me;
	}

	/** {@code PeerIdentity}'s example by hand: the default identity, an EC P-256 one, saved and loaded. */
	static List<PeerIdentity> byHand(Path home, char[] password) {
		// region javadoc-identity-by-hand
		PeerIdentity me = PeerIdentity.generate("alice");                    // Ed25519, the default
		PeerIdentity ec = PeerIdentity.generate("alice", KeyType.EC_P256);   // EC P-256 on request
		me.save(home.resolve("alice.p12"), password);
		PeerIdentity again = PeerIdentity.load(home.resolve("alice.p12"), password);
		// endregion
		return List.of(me, ec, again);
	}

	/** {@code PeerCollaboration}'s example; compiled only (it listens on every interface). */
	static PeerCollaboration collaboration(Path home, char[] password) {
		// region javadoc-collaboration
		PeerCollaboration collab = PeerCollaboration.builder()
				.identity(PeerIdentity.loadOrGenerate(home.resolve("alice.p12"), password, "alice"))
				.nickname("Alice")
				.discovery(MdnsDiscovery.defaultInterfaces())
				.transport(RSocketPeerTransport.tcp())
				.build();
		collab.signIn(PeerScope.ALL)
				.thenMany(collab.peersNearMe())
				.subscribe(event -> System.out.println(event.type() + " " + event.peer().nickname()));
		// endregion
		return collab;
	}

	/** {@code PeerCollaboration.Builder}'s example: one immutable builder, two endpoints (built, not signed in). */
	static List<PeerCollaboration> twoFromOneBuilder(PeerIdentity aliceIdentity, PeerIdentity bobIdentity) {
		// region javadoc-builder
		PeerCollaboration.Builder base = PeerCollaboration.builder().transport(RSocketPeerTransport.tcp());
		PeerCollaboration alice = base.identity(aliceIdentity).build();
		PeerCollaboration bob = base.identity(bobIdentity).build(); // base itself has no identity
		// endregion
		return List.of(alice, bob);
	}
}
