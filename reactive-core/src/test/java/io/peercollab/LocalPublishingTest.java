// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.peercollab.contact.ContactStores;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.ContactStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What one endpoint publishes, and the local streams that report it.
 */
class LocalPublishingTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static PeerIdentity me;
	private final List<PeerCollaboration> open = new ArrayList<>();

	@BeforeAll
	static void identity() {
		me = PeerIdentity.generate("me");
	}

	@AfterEach
	void close() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private PeerCollaboration endpoint(ContactStore store) {
		PeerCollaboration c = PeerCollaboration.builder().identity(me).transport(InMemoryPeerTransport.create())
				.discovery(new NoPeersDiscovery()).contactStore(store).build();
		open.add(c);
		return c;
	}

	private PeerCollaboration endpoint() {
		return endpoint(ContactStores.inMemory());
	}

	private static PeerApplication app(int i) {
		return PeerApplication.of(new UUID(0, i), "app " + i, PeerScope.ALL);
	}

	private static PeerObject object(UUID id, String data) {
		return new PeerObject(id, data.getBytes(StandardCharsets.UTF_8), PeerScope.ALL);
	}

	@Test
	void signingInToNoneIsRejected() {
		PeerCollaboration c = endpoint();
		StepVerifier.create(c.signIn(PeerScope.NONE))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessageContaining("NONE"))
				.verify(WAIT);
		StepVerifier.create(c.signOut(PeerScope.NONE)).expectError(IllegalArgumentException.class).verify(WAIT);
	}

	@Test
	void presenceIsOnlineAfterSignInAndCannotBeSetOfflineOrWhileSignedOut() {
		PeerCollaboration c = endpoint();
		assertThat(c.presence()).isEqualTo(PresenceInfo.OFFLINE);
		StepVerifier.create(c.setPresence(PresenceInfo.of(PresenceStatus.BUSY)))
				.expectError(NotSignedInException.class).verify(WAIT);

		c.signIn(PeerScope.NEAR_ME).block(WAIT);
		assertThat(c.presence()).isEqualTo(PresenceInfo.ONLINE);
		assertThat(c.signInScope()).isEqualTo(PeerScope.NEAR_ME);
		StepVerifier.create(c.setPresence(PresenceInfo.OFFLINE))
				.expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("sign out instead"))
				.verify(WAIT);
		c.setPresence(new PresenceInfo(PresenceStatus.ON_THE_PHONE, "call")).block(WAIT);
		assertThat(c.presence().status()).isEqualTo(PresenceStatus.ON_THE_PHONE);
	}

	@Test
	void signingOutOfEveryScopeClearsPresenceAndObjectsButKeepsApplicationsAndIsSignalledOnce() {
		PeerCollaboration c = endpoint();
		List<PeerScope> scopes = new ArrayList<>();
		c.signInChanges().subscribe(scopes::add);
		c.signIn(PeerScope.NEAR_ME).block(WAIT);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		c.registerApplication(app(1)).block(WAIT);
		c.setObject(object(UUID.randomUUID(), "x")).block(WAIT);

		c.signOut(PeerScope.NEAR_ME).block(WAIT);
		assertThat(c.presence()).isEqualTo(PresenceInfo.ONLINE);
		assertThat(c.objects()).hasSize(1);
		c.signOut(PeerScope.INTERNET).block(WAIT);
		c.signOut(PeerScope.ALL).block(WAIT);

		assertThat(c.presence()).isEqualTo(PresenceInfo.OFFLINE);
		assertThat(c.objects()).isEmpty();
		assertThat(c.applications()).containsExactly(app(1));
		assertThat(scopes).containsExactly(PeerScope.NONE, PeerScope.NEAR_ME, PeerScope.ALL, PeerScope.INTERNET,
				PeerScope.NONE);
	}

	@Test
	void applicationsAreLimitedTo64AndAnotherApplicationWithARegisteredIdIsAnError() {
		PeerCollaboration c = endpoint();
		Flux.range(0, 64).concatMap(i -> c.registerApplication(app(i))).blockLast(WAIT);
		StepVerifier.create(c.registerApplication(app(64)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(LimitExceededException.class)
						.hasMessageContaining("64"))
				.verify(WAIT);
		PeerApplication sameIdOtherDescription = PeerApplication.of(app(3).id(), "another app", PeerScope.ALL);
		StepVerifier.create(c.registerApplication(sameIdOtherDescription))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(AlreadyExistsException.class)
						.hasMessageContaining(app(3).id().toString()).hasMessageContaining("app 3"))
				.verify(WAIT);
		c.unregisterApplication(app(3).id()).block(WAIT);
		StepVerifier.create(c.unregisterApplication(app(3).id())).expectError(NotFoundException.class).verify(WAIT);
		c.registerApplication(app(64)).block(WAIT);
		assertThat(c.applications()).hasSize(64);
	}

	@Test
	void registeringTheIdenticalApplicationAgainSucceedsWithoutAChange() {
		PeerCollaboration c = endpoint();
		c.registerApplication(app(1)).block(WAIT);
		List<ApplicationChange> changes = new ArrayList<>();
		c.applicationChanges().subscribe(changes::add);
		StepVerifier.create(c.registerApplication(app(1))).verifyComplete();
		assertThat(c.applications()).containsExactly(app(1));
		assertThat(changes).extracting(ApplicationChange::type).containsExactly(ChangeType.ADDED);
	}

	@Test
	void theReadmeStartupRunsAgainOnAStoreThatKeptTheRegistration(@TempDir Path dir) {
		for (int run = 0; run < 2; run++) {
			PeerCollaboration c = endpoint(ContactStores.h2(dir));
			// the README's start-up: register, then sign in; the second run finds the registration in the store
			StepVerifier.create(c.registerApplication(app(7)).then(c.signIn(PeerScope.NEAR_ME))).verifyComplete();
			assertThat(c.applications()).containsExactly(app(7));
			c.close().block(WAIT);
		}
	}

	@Test
	void storedRegistrationsAreLoadedWhenTheEndpointIsBuiltNotAtTheFirstCall(@TempDir Path dir) {
		PeerCollaboration first = endpoint(ContactStores.h2(dir));
		first.registerApplication(app(7)).block(WAIT);
		first.close().block(WAIT);

		PeerCollaboration second = endpoint(ContactStores.h2(dir));
		// nothing is called on it: building it starts the load, and the plain getter shows the result
		Flux.interval(Duration.ofMillis(5)).filter(t -> !second.applications().isEmpty()).blockFirst(WAIT);
		assertThat(second.applications()).containsExactly(app(7));
	}

	@Test
	void registrationsSurviveARestart(@TempDir Path dir) {
		PeerCollaboration first = endpoint(ContactStores.h2(dir));
		first.registerApplication(app(7)).block(WAIT);
		first.close().block(WAIT);

		PeerCollaboration second = endpoint(ContactStores.h2(dir));
		StepVerifier.create(second.applicationChanges().take(1))
				.assertNext(ch -> {
					assertThat(ch.type()).isEqualTo(ChangeType.ADDED);
					assertThat(ch.application()).isEqualTo(app(7));
				})
				.verifyComplete();
	}

	@Test
	void objectsAreLimitedTo128AndSettingAnExistingIdUpdatesInPlace() {
		PeerCollaboration c = endpoint();
		StepVerifier.create(c.setObject(object(UUID.randomUUID(), "x"))).expectError(NotSignedInException.class)
				.verify(WAIT);
		c.signIn(PeerScope.ALL).block(WAIT);
		Flux.range(0, 128).concatMap(i -> c.setObject(object(new UUID(1, i), "v"))).blockLast(WAIT);
		StepVerifier.create(c.setObject(object(UUID.randomUUID(), "x")))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(LimitExceededException.class)
						.hasMessageContaining("128"))
				.verify(WAIT);

		StepVerifier.create(c.objectChanges().skip(128))
				.then(() -> c.setObject(object(new UUID(1, 5), "v2")).block(WAIT))
				.assertNext(ch -> {
					assertThat(ch.type()).isEqualTo(ChangeType.UPDATED);
					assertThat(new String(ch.object().data(), StandardCharsets.UTF_8)).isEqualTo("v2");
				})
				.then(() -> c.deleteObject(new UUID(1, 5)).block(WAIT))
				.assertNext(ch -> assertThat(ch.type()).isEqualTo(ChangeType.REMOVED))
				.thenCancel()
				.verify(WAIT);
		assertThat(c.objects()).hasSize(127);
	}

	@Test
	void presenceStreamEmitsTheCurrentStateFirstThenChanges() {
		PeerCollaboration c = endpoint();
		c.signIn(PeerScope.ALL).block(WAIT);
		StepVerifier.create(c.presenceChanges())
				.assertNext(p -> assertThat(p).isEqualTo(new PresenceChange(ChangeType.ADDED, PresenceInfo.ONLINE,
						p.version())))
				.then(() -> c.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT))
				.assertNext(p -> {
					assertThat(p.type()).isEqualTo(ChangeType.UPDATED);
					assertThat(p.presence().status()).isEqualTo(PresenceStatus.AWAY);
				})
				.then(() -> c.signOut(PeerScope.ALL).block(WAIT))
				.assertNext(p -> assertThat(p.type()).isEqualTo(ChangeType.REMOVED))
				.thenCancel()
				.verify(WAIT);
	}

	@Test
	void aSlowPresenceSubscriberGetsTheLatestStateWithoutBlockingThePublisher() {
		PeerCollaboration c = endpoint();
		c.signIn(PeerScope.ALL).block(WAIT);
		StepVerifier.create(c.presenceChanges(), 0)
				.then(() -> {
					for (int i = 0; i < 5_000; i++) {
						c.setPresence(new PresenceInfo(PresenceStatus.BUSY, "n" + i)).block(WAIT);
					}
				})
				.thenRequest(1)
				.assertNext(p -> assertThat(p.presence().text()).isEqualTo("n4999"))
				.thenCancel()
				.verify(WAIT);
	}

	@Test
	void aSubscriberThatFallsTooFarBehindFailsWithOverflowWhileOthersGetEverything() {
		PeerCollaboration c = endpoint();
		c.signIn(PeerScope.ALL).block(WAIT);
		UUID id = UUID.randomUUID();
		List<ObjectChange> fast = new ArrayList<>();
		c.objectChanges().subscribe(fast::add);

		StepVerifier.create(c.objectChanges(), 0)
				.then(() -> {
					for (int i = 0; i < 5_000; i++) {
						c.setObject(object(id, "v" + i)).block(WAIT);
					}
				})
				.thenRequest(Long.MAX_VALUE)
				.expectNextCount(1_024)
				.thenConsumeWhile(x -> true) // at least 1,024 are held; the queue rounds its capacity up
				.expectErrorMatches(Exceptions::isOverflow)
				.verify(WAIT);
		assertThat(fast).hasSize(5_000);
	}

	@Test
	void noLockIsHeldWhileASubscriberRunsSoAnotherThreadCanChangeTheStateFromInsideOnNext() throws Exception {
		PeerCollaboration c = endpoint();
		c.signIn(PeerScope.NEAR_ME).block(WAIT);
		PresenceInfo busy = new PresenceInfo(PresenceStatus.BUSY, "");
		PresenceInfo away = new PresenceInfo(PresenceStatus.AWAY, "");
		java.util.concurrent.CompletableFuture<Throwable> fromOtherThread = new java.util.concurrent.CompletableFuture<>();
		List<PresenceStatus> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
		c.presenceChanges().subscribe(change -> {
			seen.add(change.presence().status());
			if (change.presence().equals(busy)) {
				// a library that emits under its lock deadlocks here: the other thread waits for the lock this one holds
				Thread other = new Thread(() -> {
					try {
						c.setPresence(away).then(c.setObject(object(new UUID(1, 1), "x"))).block(WAIT);
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
		c.setPresence(busy).block(WAIT);
		assertThat(fromOtherThread.get(10, java.util.concurrent.TimeUnit.SECONDS)).isNull();
		assertThat(seen).containsExactly(PresenceStatus.ONLINE, PresenceStatus.BUSY, PresenceStatus.AWAY);
		assertThat(c.presence()).isEqualTo(away);
	}

	@Test
	void cancellingAStreamStopsItsDeliveries() {
		PeerCollaboration c = endpoint();
		c.signIn(PeerScope.ALL).block(WAIT);
		StepVerifier.create(c.objectChanges())
				.then(() -> c.setObject(object(UUID.randomUUID(), "a")).block(WAIT))
				.expectNextCount(1)
				.thenCancel()
				.verify(WAIT);
		c.setObject(object(UUID.randomUUID(), "b")).block(WAIT);
		assertThat(c.objects()).hasSize(2);
	}

	@Test
	void theBuilderRefusesMissingSettingsAndSecondUse() {
		assertThatThrownBy(() -> PeerCollaboration.builder().transport(InMemoryPeerTransport.create()).build())
				.isInstanceOf(IllegalStateException.class).hasMessageContaining("identity");
		PeerCollaboration.Builder b = PeerCollaboration.builder().identity(me).transport(InMemoryPeerTransport.create());
		// immutable: a setter returns a copy and leaves the builder it was called on unchanged
		PeerCollaboration.Builder renamed = b.nickname("renamed");
		PeerCollaboration first = b.build();
		open.add(first);
		PeerCollaboration second = renamed.build();
		open.add(second);
		assertThat(first).isNotSameAs(second);
		assertThat(first.nickname()).isEqualTo(me.name().classifier());
		assertThat(second.nickname()).isEqualTo("renamed");
		assertThatThrownBy(() -> PeerCollaboration.builder().nickname("x".repeat(64)))
				.isInstanceOf(PayloadTooLargeException.class).hasMessage("nickname must be at most 63 characters, was 64");
	}

	/** The smallest valid PNG header plus padding: what {@link PeerObject#userPicture} checks is the signature. */
	private static byte[] png(int size) {
		byte[] image = new byte[size];
		byte[] signature = {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
		System.arraycopy(signature, 0, image, 0, signature.length);
		return image;
	}

	@Test
	void theUserPictureIsSetFromAnImageFileAndClearedButNotDeleted(@TempDir Path dir) throws Exception {
		PeerCollaboration c = endpoint();
		c.signIn(PeerScope.ALL).block(WAIT);
		Path picture = java.nio.file.Files.write(dir.resolve("me.png"), png(PeerObject.MAX_DATA_LENGTH));

		StepVerifier.create(c.objectChanges())
				.then(() -> c.setUserPicture(picture, PeerScope.ALL).block(WAIT))
				.assertNext(ch -> {
					assertThat(ch.type()).isEqualTo(ChangeType.ADDED);
					assertThat(ch.object().id()).isEqualTo(PeerObject.USER_PICTURE_ID);
					assertThat(ch.object().data()).isEqualTo(png(PeerObject.MAX_DATA_LENGTH));
				})
				.then(() -> StepVerifier.create(c.deleteObject(PeerObject.USER_PICTURE_ID))
						.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
								.hasMessageContaining("clearUserPicture()"))
						.verify(WAIT))
				.then(() -> c.clearUserPicture().block(WAIT))
				.assertNext(ch -> {
					assertThat(ch.type()).isEqualTo(ChangeType.REMOVED);
					assertThat(ch.object().id()).isEqualTo(PeerObject.USER_PICTURE_ID);
				})
				.thenCancel()
				.verify(WAIT);
		assertThat(c.objects()).isEmpty();
		// clearing what is not there is done already
		StepVerifier.create(c.clearUserPicture()).verifyComplete();
	}

	@Test
	void aUserPictureFileThatIsTooLargeOrNotAnImageIsRefusedByName(@TempDir Path dir) throws Exception {
		PeerCollaboration c = endpoint();
		c.signIn(PeerScope.ALL).block(WAIT);
		Path large = java.nio.file.Files.write(dir.resolve("large.png"), png(PeerObject.MAX_DATA_LENGTH + 1));
		Path text = java.nio.file.Files.writeString(dir.resolve("me.png"), "not a picture at all");

		StepVerifier.create(c.setUserPicture(large, PeerScope.ALL))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessageContaining("large.png").hasMessageContaining("at most 16384 bytes, was 16385"))
				.verify(WAIT);
		StepVerifier.create(c.setUserPicture(text, PeerScope.ALL))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessageContaining("PNG, JPEG, GIF, BMP or WebP"))
				.verify(WAIT);
		StepVerifier.create(c.setUserPicture(dir.resolve("missing.png"), PeerScope.ALL))
				.expectError(java.nio.file.NoSuchFileException.class)
				.verify(WAIT);
		assertThat(c.objects()).isEmpty();
		assertThatThrownBy(() -> PeerObject.userPicture(new byte[] {'G', 'I', 'F', '8', '9'}, PeerScope.ALL))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("474946383");
		assertThat(PeerObject.userPicture(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0}, PeerScope.NEAR_ME)
				.id()).isEqualTo(PeerObject.USER_PICTURE_ID);
	}
}
