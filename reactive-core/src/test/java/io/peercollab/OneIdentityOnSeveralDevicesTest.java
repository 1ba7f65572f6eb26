// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One person on several devices, the way the README describes (issue 15): the identity file made on the first device is
 * copied to the others, so that every device signs in with the same name and key. A contact then sees each device as
 * an endpoint of one contact, an invitation reaches them all, and the devices serve each other as the Me contact
 * (allowed: what is published for the Internet included).
 */
class OneIdentityOnSeveralDevicesTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static final char[] PASSWORD = "correct horse".toCharArray();
	private static final PeerApplication NOTES = new PeerApplication(UUID.randomUUID(), "Notes", null,
			PeerScope.INTERNET, "/usr/bin/notes", List.of());

	private final InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();

	@TempDir
	Path laptopHome;
	@TempDir
	Path desktopHome;

	@AfterEach
	void close() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private PeerCollaboration device(PeerIdentity identity, String endPointName) {
		PeerCollaboration c = PeerCollaboration.builder().identity(identity).endPointName(endPointName)
				.transport(net.transport()).build();
		open.add(c);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		return c;
	}

	@Test
	void theIdentityFileCopiedToASecondDeviceMakesBothOneContactWithTwoEndpoints() throws Exception {
		// the first device makes the identity; the person copies the file to the second
		Path original = laptopHome.resolve("bob.p12");
		PeerIdentity onLaptop = PeerIdentity.loadOrGenerate(original, PASSWORD, "bob");
		Path copy = desktopHome.resolve("bob.p12");
		Files.copy(original, copy);
		PeerIdentity onDesktop = PeerIdentity.loadOrGenerate(copy, PASSWORD, "bob");
		assertThat(onDesktop.name()).isEqualTo(onLaptop.name());

		PeerCollaboration laptop = device(onLaptop, "laptop");
		PeerCollaboration desktop = device(onDesktop, "desktop");
		desktop.registerApplication(NOTES).block(WAIT);

		// each device is the other's Me contact: allowed, so it sees what is published for the Internet
		Peer desktopFromLaptop = laptop.peer(laptop.contacts().me().withEndPoints(desktop.endPoints()));
		assertThat(desktopFromLaptop.applications().map(PeerApplication::id).collectList().block(WAIT))
				.containsExactly(NOTES.id());

		// a contact (allowed on both devices: the contact list is the person's, kept on each) sees one contact with
		// two endpoints, and an invitation reaches both
		PeerCollaboration alice = device(PeerIdentity.generate("alice"), "alice");
		PeerContact aliceCard = PeerContact.of(alice.name(), "Alice", alice.identity().certificate());
		laptop.contacts().add(aliceCard).block(WAIT);
		desktop.contacts().add(aliceCard).block(WAIT);
		List<PeerEndPoint> both = List.of(laptop.endPoints().get(0), desktop.endPoints().get(0));
		PeerContact bob = PeerContact.of(onLaptop.name(), "Bob", onLaptop.certificate()).withEndPoints(both);
		alice.contacts().add(bob).block(WAIT);
		Peer bobs = alice.peer(bob);
		MergedEndPoints merged = bobs.mergedEndPoints().filter(m -> m.endPoints().size() == 2
				&& m.applications().size() == 1).blockFirst(WAIT);
		assertThat(merged.applications().get(0).instances()).hasSize(1);
		assertThat(merged.isOnline()).isTrue();

		laptop.registerApplication(NOTES).block(WAIT);
		reactor.core.publisher.Mono<Invitation> onLaptopInv = laptop.invitations().next().cache();
		onLaptopInv.subscribe();
		reactor.core.publisher.Mono<Invitation> onDesktopInv = desktop.invitations().next().cache();
		onDesktopInv.flatMap(Invitation::accept).subscribe();
		InvitationResponse r = bobs.invite(NOTES, "on any device", null).block(WAIT);
		assertThat(r.status()).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat(onLaptopInv.block(WAIT).outcome().block(WAIT)).as("the other device's is withdrawn")
				.isEqualTo(InvitationState.WITHDRAWN);
	}
}
