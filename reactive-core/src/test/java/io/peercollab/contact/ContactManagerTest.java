// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.AlreadyExistsException;
import io.peercollab.ChangeType;
import io.peercollab.InvalidContactCardException;
import io.peercollab.NotFoundException;
import io.peercollab.PeerCollaboration;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contact manager as a reactive repository: writes, errors, the change feed and contact cards.
 */
class ContactManagerTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static PeerIdentity me;
	private static final List<PeerIdentity> others = new ArrayList<>();

	private PeerCollaboration collab;
	private ContactManager contacts;

	@BeforeAll
	static void identities() {
		me = PeerIdentity.generate("me");
		for (int i = 0; i < 3; i++) {
			others.add(PeerIdentity.generate("friend" + i));
		}
	}

	@BeforeEach
	void endpoint() {
		collab = PeerCollaboration.builder().identity(me).nickname("Me").transport(InMemoryPeerTransport.create()).build();
		contacts = collab.contacts();
	}

	@AfterEach
	void close() {
		collab.close().block(WAIT);
	}

	private static PeerContact contact(int i) {
		PeerIdentity id = others.get(i);
		return PeerContact.of(id.name(), "friend " + i, id.certificate());
	}

	@Test
	void addFindUpdateAndDeleteWithTypedErrors() {
		contacts.add(contact(0)).block(WAIT);
		StepVerifier.create(contacts.add(contact(0)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(AlreadyExistsException.class)
						.hasMessageContaining(contact(0).name().toString()))
				.verify(WAIT);
		assertThat(contacts.find(contact(0).name()).block(WAIT)).isEqualTo(contact(0));
		StepVerifier.create(contacts.find(contact(1).name())).verifyComplete();

		PeerContact renamed = contact(0).withDisplayName("Old Friend").withSubscribed(true);
		assertThat(contacts.update(renamed).block(WAIT)).isEqualTo(renamed);
		StepVerifier.create(contacts.update(contact(1))).expectError(NotFoundException.class).verify(WAIT);

		contacts.add(contact(1)).block(WAIT);
		assertThat(contacts.findAll().collectList().block(WAIT)).containsExactlyInAnyOrder(renamed, contact(1));
		contacts.delete(contact(0).name()).block(WAIT);
		StepVerifier.create(contacts.delete(contact(0).name())).expectError(NotFoundException.class).verify(WAIT);
		assertThat(contacts.findAll().collectList().block(WAIT)).containsExactly(contact(1));
	}

	@Test
	void changesEmitCurrentContactsFirstThenEveryWrite() {
		contacts.add(contact(0)).block(WAIT);
		StepVerifier.create(contacts.changes())
				.assertNext(c -> assertThat(c).isEqualTo(new ContactChange(ChangeType.ADDED, contact(0))))
				.then(() -> contacts.add(contact(1)).block(WAIT))
				.assertNext(c -> assertThat(c).isEqualTo(new ContactChange(ChangeType.ADDED, contact(1))))
				.then(() -> contacts.update(contact(1).withNickname("best friend")).block(WAIT))
				.assertNext(c -> {
					assertThat(c.type()).isEqualTo(ChangeType.UPDATED);
					assertThat(c.contact().nickname()).isEqualTo("best friend");
				})
				.then(() -> contacts.delete(contact(0).name()).block(WAIT))
				.assertNext(c -> assertThat(c).isEqualTo(new ContactChange(ChangeType.REMOVED, contact(0))))
				.thenCancel()
				.verify(WAIT);
	}

	@Test
	void changesHonourBackpressureAndFailASubscriberThatFallsTooFarBehind() {
		StepVerifier.create(contacts.changes(), 0)
				.then(() -> {
					contacts.add(contact(0)).block(WAIT);
					contacts.add(contact(1)).block(WAIT);
				})
				.expectNoEvent(Duration.ofMillis(50))
				.thenRequest(1)
				.assertNext(c -> assertThat(c.contact()).isEqualTo(contact(0)))
				.thenRequest(1)
				.assertNext(c -> assertThat(c.contact()).isEqualTo(contact(1)))
				.thenCancel()
				.verify(WAIT);

		StepVerifier.create(contacts.changes(), 0)
				.then(() -> {
					for (int i = 0; i < 3 * ContactManager.CHANGES_BUFFER; i++) {
						contacts.update(contact(0).withNickname("n" + i)).block(WAIT);
					}
				})
				.thenRequest(Long.MAX_VALUE)
				.thenConsumeWhile(c -> true)
				.expectErrorMatches(Exceptions::isOverflow)
				.verify(WAIT);
	}

	@Test
	void meIsMadeFromTheIdentityAndOnlyItsDisplayFieldsChange() {
		assertThat(contacts.me().name()).isEqualTo(me.name());
		assertThat(contacts.me().certificate()).isEqualTo(me.certificate());
		assertThat(contacts.me().nickname()).isEqualTo("Me");
		PeerContact updated = contacts.updateMe("Myself", "My Self", "me@example.org").block(WAIT);
		assertThat(updated.name()).isEqualTo(me.name());
		assertThat(updated.email()).isEqualTo("me@example.org");
		assertThat(contacts.me()).isEqualTo(updated);
		assertThatThrownBy(() -> contacts.updateMe("x".repeat(256), "", "").block(WAIT))
				.isInstanceOf(io.peercollab.PayloadTooLargeException.class)
				.hasMessage("nickname must be at most 255 characters, was 256");
	}

	@Test
	void cardsRoundTripAndATamperedCardIsRejectedAndNotStored() {
		contacts.updateMe("Me", "Me Myself", "me@example.org").block(WAIT);
		String card = contacts.exportCard();
		PeerContact parsed = contacts.parseCard(card);
		assertThat(parsed.name()).isEqualTo(me.name());
		assertThat(parsed.email()).isEqualTo("me@example.org");

		String friendCard = contacts.exportCard(contact(2).withEmail("f@example.org"));
		assertThat(contacts.importCard(friendCard).block(WAIT).email()).isEqualTo("f@example.org");

		String tampered = contacts.exportCard(contact(1)).replace(others.get(1).name().authority(),
				others.get(0).name().authority());
		StepVerifier.create(contacts.importCard(tampered)).expectError(InvalidContactCardException.class).verify(WAIT);
		StepVerifier.create(contacts.importCard("<not a card")).expectError(InvalidContactCardException.class)
				.verify(WAIT);
		assertThat(contacts.findAll().collectList().block(WAIT)).extracting(PeerContact::name)
				.containsExactly(contact(2).name());
	}
	@Test
	void anExportedCardLeavesOutMySettingsAndAnImportedOneGetsTheDefaults() {
		PeerContact mine = contact(0).withSubscribed(true).withSubscribeAllowed(SubscribeAllowed.BLOCKED);
		String card = contacts.exportCard(mine);
		assertThat(card).doesNotContain("subscribed", "subscribe-allowed");

		PeerContact imported = contacts.importCard(card).block(WAIT);

		assertThat(imported.subscribed()).isFalse();
		assertThat(imported.subscribeAllowed()).isEqualTo(SubscribeAllowed.ALLOWED);
		assertThat(contacts.findAll().collectList().block(WAIT)).containsExactly(imported);
	}

	@Test
	void anOlderCardCarryingTheWritersSettingsIsImportedWithMyDefaults() {
		String older = contacts.exportCard(contact(1)).replace("</peercollab-contact-card>",
				"<subscribed>true</subscribed><subscribe-allowed>BLOCKED</subscribe-allowed></peercollab-contact-card>");

		assertThat(contacts.parseCard(older).subscribed()).isFalse();
		PeerContact imported = contacts.importCard(older).block(WAIT);

		assertThat(imported.name()).isEqualTo(contact(1).name());
		assertThat(imported.subscribed()).isFalse();
		assertThat(imported.subscribeAllowed()).isEqualTo(SubscribeAllowed.ALLOWED);
	}

	@Test
	void myOwnCardNeverCarriesMySettings() {
		assertThat(contacts.exportCard()).doesNotContain("subscribed", "subscribe-allowed");
	}

	@Test
	void noLockIsHeldWhileAChangeSubscriberRunsSoItMayChangeContactsFromAnotherThread() throws Exception {
		java.util.concurrent.CompletableFuture<Throwable> fromOtherThread = new java.util.concurrent.CompletableFuture<>();
		List<PeerName> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
		reactor.core.Disposable subscription = contacts.changes().subscribe(change -> {
			seen.add(change.contact().name());
			if (change.contact().name().equals(contact(0).name())) {
				// a manager that emits under its lock deadlocks here: the other thread waits for the lock held here
				Thread other = new Thread(() -> {
					try {
						contacts.add(contact(1)).block(WAIT);
						fromOtherThread.complete(null);
					}
					catch (Throwable e) {
						fromOtherThread.complete(e);
					}
				});
				other.start();
				try {
					assertThat(fromOtherThread.get(5, java.util.concurrent.TimeUnit.SECONDS)).isNull();
				}
				catch (Exception e) {
					fromOtherThread.complete(e);
				}
			}
		});
		try {
			contacts.add(contact(0)).block(WAIT);
			assertThat(fromOtherThread.get(10, java.util.concurrent.TimeUnit.SECONDS)).isNull();
			assertThat(seen).containsExactly(contact(0).name(), contact(1).name());
		}
		finally {
			subscription.dispose();
		}
	}
}
