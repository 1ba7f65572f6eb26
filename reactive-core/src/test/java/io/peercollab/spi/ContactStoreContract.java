// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.peercollab.AlreadyExistsException;
import io.peercollab.NotFoundException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules every {@link ContactStore} follows, run against each implementation by a subclass that says how to make
 * one ({@link #newStore()}) and, for a durable store, how to open it again over the same data ({@link #reopen}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public abstract class ContactStoreContract {

	/** Generated once: key generation is the slowest part of these tests. */
	protected static PeerIdentity alice;
	protected static PeerIdentity bob;
	protected static PeerIdentity carol;
	protected static PeerIdentity dave;

	private ContactStore store;

	@BeforeAll
	static void generateIdentities() {
		alice = PeerIdentity.generate("alice");
		bob = PeerIdentity.generate("bob");
		carol = PeerIdentity.generate("carol");
		dave = PeerIdentity.generate("dave", KeyType.ED25519);
	}

	/** @return a new, empty store; the contract closes it after each test */
	protected abstract ContactStore newStore();

	/**
	 * @param store a store holding data
	 * @return a store over the same data, having closed {@code store} if it is a different one; by default
	 * {@code store} itself, for stores that keep nothing beyond their own life
	 */
	protected ContactStore reopen(ContactStore store) {
		return store;
	}

	@BeforeEach
	void openStore() {
		store = newStore();
	}

	@AfterEach
	void closeStore() {
		StepVerifier.create(store.close()).verifyComplete();
	}

	/** @return the store under test, as last opened */
	protected ContactStore store() {
		return store;
	}

	private ContactStore reopened() {
		store = reopen(store);
		return store;
	}

	/** @return a plain contact for this identity */
	protected static PeerContact contactOf(PeerIdentity identity) {
		return PeerContact.of(identity.name(), identity.name().classifier(), identity.certificate());
	}

	/** @return a contact with an unsecured name, which need not match the certificate */
	protected static PeerContact unsecured(String classifier) {
		return PeerContact.of(PeerName.unsecured(classifier), "nick " + classifier, alice.certificate());
	}

	@Test
	void anInsertedContactIsFoundByItsName() {
		PeerContact contact = contactOf(alice);

		StepVerifier.create(store.insert(contact)).verifyComplete();

		StepVerifier.create(store.find(alice.name())).expectNext(contact).verifyComplete();
	}

	@Test
	void findIsEmptyForANameNeverStored() {
		StepVerifier.create(store.insert(contactOf(alice))).verifyComplete();

		StepVerifier.create(store.find(bob.name())).verifyComplete();
		StepVerifier.create(store.find(PeerName.unsecured(alice.name().classifier()))).verifyComplete();
	}

	@Test
	void nothingHappensUntilSubscription() {
		store.insert(contactOf(alice));
		store.saveApplication(application(UUID.randomUUID()));
		store.close();

		StepVerifier.create(store.findAll()).verifyComplete();
		StepVerifier.create(store.applications()).verifyComplete();
	}

	@Test
	void findAllListsEveryContactOrderedByName() {
		List<PeerContact> contacts = new ArrayList<>(List.of(contactOf(alice), contactOf(bob), contactOf(carol),
				contactOf(dave), unsecured("Bob"), unsecured("alice"), unsecured("zoë"), unsecured("émile"),
				unsecured("a.b"), unsecured("a"), unsecured("a-"), unsecured("日本")));
		List<PeerContact> expected = contacts.stream().sorted(Comparator.comparing(PeerContact::name)).toList();
		Collections.shuffle(contacts, new Random(7));

		StepVerifier.create(Flux.fromIterable(contacts).concatMap(store::insert)).verifyComplete();

		StepVerifier.create(store.findAll().collectList())
				.assertNext(all -> assertThat(all).containsExactlyElementsOf(expected))
				.verifyComplete();
	}

	@Test
	void findAllEmitsNoMoreThanRequested() {
		StepVerifier.create(Flux.range(0, 3).concatMap(i -> store.insert(unsecured("c" + i)))).verifyComplete();

		StepVerifier.create(store.findAll(), 0)
				.expectSubscription()
				.thenRequest(1)
				.expectNext(unsecured("c0"))
				.thenRequest(1)
				.expectNext(unsecured("c1"))
				.thenRequest(5)
				.expectNext(unsecured("c2"))
				.verifyComplete();
	}

	@Test
	void insertingANameThatIsStoredFailsWithAlreadyExistsNamingIt() {
		PeerContact first = contactOf(bob);
		StepVerifier.create(store.insert(first)).verifyComplete();

		StepVerifier.create(store.insert(first.withNickname("another")))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(AlreadyExistsException.class)
						.hasMessageContaining(bob.name().toString()))
				.verify();

		StepVerifier.create(store.find(bob.name())).expectNext(first).verifyComplete();
	}

	@Test
	void updateReplacesEveryFieldOfTheStoredContact() throws UnknownHostException {
		PeerContact original = contactOf(carol);
		PeerContact changed = original.withNickname("Caro")
				.withDisplayName("Carol C.")
				.withEmail("carol@example.org")
				.withEndPoints(List.of(new PeerEndPoint("wifi", socket("192.0.2.7", 4242))))
				.withSubscribed(true)
				.withSubscribeAllowed(SubscribeAllowed.BLOCKED);
		StepVerifier.create(store.insert(original)).verifyComplete();

		StepVerifier.create(store.update(changed)).verifyComplete();

		StepVerifier.create(reopened().find(carol.name())).expectNext(changed).verifyComplete();
	}

	@Test
	void updatingAContactNeverStoredFailsWithNotFoundAndStoresNothing() {
		StepVerifier.create(store.update(contactOf(dave)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotFoundException.class)
						.hasMessageContaining(dave.name().toString()))
				.verify();

		StepVerifier.create(store.find(dave.name())).verifyComplete();
	}

	@Test
	void deleteRemovesTheContactAndSaysSo() {
		StepVerifier.create(store.insert(contactOf(alice)).then(store.insert(contactOf(bob)))).verifyComplete();

		StepVerifier.create(store.delete(alice.name())).expectNext(true).verifyComplete();

		StepVerifier.create(store.find(alice.name())).verifyComplete();
		StepVerifier.create(reopened().findAll()).expectNext(contactOf(bob)).verifyComplete();
	}

	@Test
	void deleteReturnsFalseWhenNoContactHasTheName() {
		StepVerifier.create(store.delete(alice.name())).expectNext(false).verifyComplete();

		StepVerifier.create(store.insert(contactOf(alice)).then(store.delete(alice.name()))
				.then(store.delete(alice.name())))
				.expectNext(false)
				.verifyComplete();
	}

	@Test
	void aDeletedNameCanBeInsertedAgain() {
		PeerContact again = contactOf(alice).withNickname("again");

		StepVerifier.create(store.insert(contactOf(alice)).then(store.delete(alice.name())).then(store.insert(again)))
				.verifyComplete();

		StepVerifier.create(store.find(alice.name())).expectNext(again).verifyComplete();
	}

	@Test
	void everyFieldOfAContactSurvivesTheRoundTrip() throws UnknownHostException {
		byte[] linkLocal = InetAddress.getByName("fe80::1:2:3:4").getAddress();
		List<PeerEndPoint> endPoints = List.of(
				new PeerEndPoint("eth0", socket("192.168.1.20", 7000)),
				new PeerEndPoint("pipe|name", socket("::1", 7001)),
				new PeerEndPoint("two\nlines\r\nand %7C a percent", socket("2001:db8::ff00:42:8329", 65535)),
				new PeerEndPoint("link-local ✓ 日本", new InetSocketAddress(Inet6Address.getByAddress(null, linkLocal, 3), 1)),
				new PeerEndPoint("named", new InetSocketAddress(
						InetAddress.getByAddress("laptop.local", new byte[] { 10, 0, 0, 9 }), 9)),
				new PeerEndPoint("", InetSocketAddress.createUnresolved("dave.example.org", 443)),
				new PeerEndPoint("|", InetSocketAddress.createUnresolved("odd|host\nname", 8080)),
				PeerEndPoint.of(socket("0.0.0.0", 80)));
		PeerContact full = new PeerContact(dave.name(), "Dave | the\nbuilder %41", "Dävé 🚀 \r\n",
				"dave@example.org", dave.certificate(), endPoints, true, SubscribeAllowed.BLOCKED);
		PeerContact plain = contactOf(alice);
		StepVerifier.create(store.insert(full).then(store.insert(plain))).verifyComplete();

		ContactStore again = reopened();

		StepVerifier.create(again.find(dave.name()))
				.assertNext(found -> {
					assertThat(found).isEqualTo(full);
					assertThat(found.nickname()).isEqualTo(full.nickname());
					assertThat(found.displayName()).isEqualTo(full.displayName());
					assertThat(found.email()).isEqualTo(full.email());
					assertThat(found.subscribed()).isTrue();
					assertThat(found.subscribeAllowed()).isEqualTo(SubscribeAllowed.BLOCKED);
					assertThat(encoded(found)).isEqualTo(encoded(full));
					assertThat(found.name().matches(found.certificate())).isTrue();
					assertSameEndPoints(found.endPoints(), endPoints);
					assertThat(found.endPoints()).extracting(e -> e.tcpAddress().isUnresolved())
							.containsExactly(false, false, false, false, false, true, true, false);
					assertThat(found.endPoints()).extracting(e -> e.tcpAddress().getAddress() == null ? null
									: e.tcpAddress().getAddress().getClass().getSimpleName())
							.containsExactly("Inet4Address", "Inet6Address", "Inet6Address", "Inet6Address",
									"Inet4Address", null, null, "Inet4Address");
					assertThat(((Inet6Address) found.endPoints().get(3).tcpAddress().getAddress()).getScopeId())
							.isEqualTo(3);
				})
				.verifyComplete();
		StepVerifier.create(again.find(alice.name()))
				.assertNext(found -> {
					assertThat(found).isEqualTo(plain);
					assertThat(found.endPoints()).isEmpty();
					assertThat(found.displayName()).isEmpty();
					assertThat(found.email()).isEmpty();
					assertThat(found.subscribed()).isFalse();
					assertThat(found.subscribeAllowed()).isEqualTo(SubscribeAllowed.ALLOWED);
				})
				.verifyComplete();
	}

	@Test
	void twoHundredContactsInsertedConcurrentlyFromSeveralThreadsAreAllStored() {
		List<PeerContact> contacts = IntStream.range(0, 200).mapToObj(i -> unsecured("c" + i)).toList();

		StepVerifier.create(Flux.fromIterable(contacts)
						.flatMap(c -> store.insert(c).subscribeOn(Schedulers.boundedElastic()), 16))
				.verifyComplete();

		StepVerifier.create(store.findAll().collectList())
				.assertNext(all -> assertThat(all).hasSize(200)
						.containsExactlyElementsOf(contacts.stream().sorted(Comparator.comparing(PeerContact::name))
								.toList()))
				.verifyComplete();
	}

	@Test
	void ofConcurrentInsertsOfOneNameExactlyOneWins() {
		StepVerifier.create(Flux.range(0, 16)
						.flatMap(i -> store.insert(contactOf(bob).withNickname("bob " + i))
								.subscribeOn(Schedulers.boundedElastic())
								.thenReturn("stored")
								.onErrorResume(AlreadyExistsException.class, e -> Mono.just("refused")), 16)
						.collect(Collectors.groupingBy(outcome -> outcome, Collectors.counting())))
				.assertNext(outcomes -> assertThat(outcomes).containsEntry("stored", 1L).containsEntry("refused", 15L))
				.verifyComplete();

		StepVerifier.create(store.findAll().count()).expectNext(1L).verifyComplete();
	}

	@Test
	void aSavedApplicationIsListed() {
		PeerApplication whiteboard = PeerApplication.of(UUID.randomUUID(), "Whiteboard", PeerScope.NEAR_ME);

		StepVerifier.create(store.saveApplication(whiteboard)).verifyComplete();

		StepVerifier.create(store.applications()).expectNext(whiteboard).verifyComplete();
	}

	@Test
	void savingAnApplicationWithAStoredIdReplacesIt() {
		UUID id = UUID.randomUUID();
		PeerApplication first = PeerApplication.of(id, "first", PeerScope.NEAR_ME);
		PeerApplication second = new PeerApplication(id, "second", new byte[] { 1, 2, 3 }, PeerScope.ALL, "/bin/app",
				List.of("--fast"));

		StepVerifier.create(store.saveApplication(first).then(store.saveApplication(second))).verifyComplete();

		StepVerifier.create(reopened().applications()).expectNext(second).verifyComplete();
	}

	@Test
	void deleteApplicationRemovesItThenReturnsFalse() {
		PeerApplication kept = application(UUID.randomUUID());
		PeerApplication deleted = application(UUID.randomUUID());
		StepVerifier.create(store.saveApplication(kept).then(store.saveApplication(deleted))).verifyComplete();

		StepVerifier.create(store.deleteApplication(deleted.id())).expectNext(true).verifyComplete();
		StepVerifier.create(store.deleteApplication(deleted.id())).expectNext(false).verifyComplete();
		StepVerifier.create(store.deleteApplication(UUID.randomUUID())).expectNext(false).verifyComplete();

		StepVerifier.create(reopened().applications()).expectNext(kept).verifyComplete();
	}

	@Test
	void applicationsAreListedInTheOrderOfTheirIdsText() {
		// Ids whose halves have the sign bit set: UUID.compareTo would put them first, their text puts them last.
		List<UUID> ids = new ArrayList<>(List.of(new UUID(0x8000_0000_0000_0000L, 0), new UUID(0x1000_0000_0000_0000L, 0),
				new UUID(0x1000_0000_0000_0000L, 0x8000_0000_0000_0000L), new UUID(0x1000_0000_0000_0000L, 1),
				new UUID(-1L, -1L), new UUID(0, 0), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()));
		List<UUID> expected = ids.stream().sorted(Comparator.comparing(UUID::toString)).toList();
		Collections.shuffle(ids, new Random(11));

		StepVerifier.create(Flux.fromIterable(ids).concatMap(id -> store.saveApplication(application(id))))
				.verifyComplete();

		StepVerifier.create(store.applications().map(PeerApplication::id).collectList())
				.assertNext(listed -> assertThat(listed).containsExactlyElementsOf(expected))
				.verifyComplete();
	}

	@Test
	void everyFieldOfAnApplicationSurvivesTheRoundTrip() {
		byte[] data = new byte[PeerApplication.MAX_DATA_LENGTH];
		for (int i = 0; i < data.length; i++) {
			data[i] = (byte) i;
		}
		PeerApplication full = new PeerApplication(new UUID(1, 1), "Whiteboard ✎ | shared\nboard", data,
				PeerScope.INTERNET, "/opt/white|board/bin/run %s",
				List.of("", "--name=a|b", "line1\nline2", "100%", "%0A", "unicode ✓ 日本", "\r", " spaced "));
		PeerApplication noArguments = new PeerApplication(new UUID(2, 2), "", null, PeerScope.NONE, null, List.of());
		PeerApplication oneEmptyArgument = new PeerApplication(new UUID(3, 3), "", null, PeerScope.ALL, "", List.of(""));
		PeerApplication twoEmptyArguments = new PeerApplication(new UUID(4, 4), "", new byte[] { 0 }, PeerScope.NEAR_ME,
				"", List.of("", ""));
		StepVerifier.create(Flux.just(full, noArguments, oneEmptyArgument, twoEmptyArguments)
				.concatMap(store::saveApplication)).verifyComplete();

		StepVerifier.create(reopened().applications())
				.assertNext(found -> {
					assertThat(found).isEqualTo(full);
					assertThat(found.data()).isEqualTo(data);
					assertThat(found.arguments()).isEqualTo(full.arguments());
					assertThat(found.path()).isEqualTo(full.path());
					assertThat(found.description()).isEqualTo(full.description());
					assertThat(found.scope()).isEqualTo(PeerScope.INTERNET);
				})
				.assertNext(found -> assertThat(found).isEqualTo(noArguments))
				.assertNext(found -> assertThat(found.arguments()).containsExactly(""))
				.assertNext(found -> assertThat(found).isEqualTo(twoEmptyArguments))
				.verifyComplete();
	}

	@Test
	void everyMethodOfAClosedStoreFailsSayingSo() {
		StepVerifier.create(store.insert(contactOf(alice))).verifyComplete();

		StepVerifier.create(store.close()).verifyComplete();

		List<Flux<?>> calls = List.of(store.insert(contactOf(bob)).flux(), store.update(contactOf(alice)).flux(),
				store.find(alice.name()).flux(), store.findAll(), store.delete(alice.name()).flux(),
				store.saveApplication(application(UUID.randomUUID())).flux(),
				store.deleteApplication(UUID.randomUUID()).flux(), store.applications());
		for (Flux<?> call : calls) {
			StepVerifier.create(call)
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
							.hasMessage("store is closed"))
					.verify();
		}
	}

	@Test
	void closeCanBeCalledTwice() {
		StepVerifier.create(store.close()).verifyComplete();
		StepVerifier.create(store.close()).verifyComplete();
	}

	// ----- lists: endpoints and arguments, in order, whatever their characters --------------------------------------

	@Test
	void theMostEndPointsAContactMayHaveComeBackInTheirOrder() throws UnknownHostException {
		List<PeerEndPoint> endPoints = manyEndPoints("e", PeerContact.MAX_ENDPOINTS);
		PeerContact contact = contactOf(bob).withEndPoints(endPoints);

		StepVerifier.create(store.insert(contact)).verifyComplete();

		StepVerifier.create(reopened().find(bob.name()))
				.assertNext(found -> assertSameEndPoints(found.endPoints(), endPoints))
				.verifyComplete();
		StepVerifier.create(store.findAll())
				.assertNext(found -> assertSameEndPoints(found.endPoints(), endPoints))
				.verifyComplete();
	}

	@Test
	void updatingTheEndPointsReplacesTheWholeListLeavingNoneOfTheOldOnes() throws UnknownHostException {
		List<PeerEndPoint> sixteen = manyEndPoints("old", PeerContact.MAX_ENDPOINTS);
		List<PeerEndPoint> reversed = new ArrayList<>(sixteen.subList(3, sixteen.size()));
		Collections.reverse(reversed);
		List<PeerEndPoint> two = manyEndPoints("new", 2);
		PeerContact contact = contactOf(carol).withEndPoints(sixteen);
		StepVerifier.create(store.insert(contact).then(store.insert(contactOf(alice).withEndPoints(sixteen))))
				.verifyComplete();

		for (List<PeerEndPoint> endPoints : List.of(reversed, List.<PeerEndPoint>of(), two, sixteen.subList(0, 1))) {
			StepVerifier.create(store.update(contact.withEndPoints(endPoints))).verifyComplete();

			StepVerifier.create(reopened().find(carol.name()))
					.assertNext(found -> assertSameEndPoints(found.endPoints(), endPoints))
					.verifyComplete();
		}
		StepVerifier.create(store.find(alice.name()))
				.assertNext(found -> assertSameEndPoints(found.endPoints(), sixteen))
				.verifyComplete();
	}

	@Test
	void aContactDeletedWithItsEndPointsCanBeInsertedAgainWithOthers() throws UnknownHostException {
		List<PeerEndPoint> others = manyEndPoints("other", 1);
		StepVerifier.create(store.insert(contactOf(alice).withEndPoints(manyEndPoints("first", 5)))
						.then(store.delete(alice.name()))
						.then(store.insert(contactOf(alice).withEndPoints(others))))
				.verifyComplete();

		StepVerifier.create(reopened().find(alice.name()))
				.assertNext(found -> assertSameEndPoints(found.endPoints(), others))
				.verifyComplete();
	}

	@Test
	void endPointNamesAndHostsComeBackExactlyWhateverTheirCharacters() throws UnknownHostException {
		List<PeerEndPoint> endPoints = new ArrayList<>();
		int port = 1;
		for (String text : TRICKY_TEXTS) {
			if (endPoints.size() == PeerContact.MAX_ENDPOINTS) {
				break;
			}
			endPoints.add(new PeerEndPoint(text, port % 2 == 0 ? InetSocketAddress.createUnresolved(text, port)
					: socket("198.51.100." + port, port)));
			port++;
		}
		PeerContact contact = unsecured("tricky").withEndPoints(endPoints);

		StepVerifier.create(store.insert(contact)).verifyComplete();

		StepVerifier.create(reopened().find(contact.name()))
				.assertNext(found -> assertSameEndPoints(found.endPoints(), endPoints))
				.verifyComplete();
	}

	@Test
	void argumentsComeBackExactlyWhateverTheirCharacters() {
		PeerApplication application = new PeerApplication(new UUID(5, 5), "tricky", null, PeerScope.ALL, "/bin/tricky",
				TRICKY_TEXTS);

		StepVerifier.create(store.saveApplication(application)).verifyComplete();

		StepVerifier.create(reopened().applications())
				.assertNext(found -> assertThat(found.arguments()).containsExactlyElementsOf(TRICKY_TEXTS))
				.verifyComplete();
	}

	@Test
	void aThousandArgumentsComeBackInTheirOrderAndSavingAgainReplacesThem() {
		// Named so that their text sorts against their order.
		List<String> thousand = IntStream.range(0, 1_000).mapToObj(i -> "--arg-" + (1_000 - i)).toList();
		UUID id = new UUID(6, 6);
		PeerApplication many = new PeerApplication(id, "many", null, PeerScope.ALL, "/bin/many", thousand);
		PeerApplication few = many.withScope(PeerScope.NEAR_ME);
		PeerApplication fewer = new PeerApplication(id, "many", null, PeerScope.ALL, "/bin/many",
				List.of("--only", "--these"));

		StepVerifier.create(store.saveApplication(many)).verifyComplete();
		StepVerifier.create(reopened().applications())
				.assertNext(found -> assertThat(found.arguments()).containsExactlyElementsOf(thousand))
				.verifyComplete();

		StepVerifier.create(store.saveApplication(few).then(store.saveApplication(fewer))).verifyComplete();
		StepVerifier.create(reopened().applications()).expectNext(fewer).verifyComplete();
	}

	@Test
	void textsAtTheirLimitsComeBackWhole() throws UnknownHostException {
		String name255 = limit("endpoint ✓ 🚀 ", PeerEndPoint.MAX_NAME_LENGTH);
		String host = limit("h", 63) + "." + limit("o", 63) + "." + limit("s", 63) + "." + limit("t", 61);
		PeerContact contact = new PeerContact(dave.name(), limit("nick 🚀 日本 ", PeerContact.MAX_TEXT_LENGTH),
				limit("display\r\n|%", PeerContact.MAX_TEXT_LENGTH),
				limit("m", PeerContact.MAX_EMAIL_LENGTH - "@example.org".length()) + "@example.org",
				dave.certificate(), List.of(new PeerEndPoint(name255, InetSocketAddress.createUnresolved(host, 65535)),
						new PeerEndPoint(name255, socket("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535))),
				true, SubscribeAllowed.ALLOWED);
		byte[] data = new byte[PeerApplication.MAX_DATA_LENGTH];
		new Random(3).nextBytes(data);
		String longArgument = limit("argument ✓ 🚀 |%\n", 65_536);
		PeerApplication application = new PeerApplication(new UUID(7, 7),
				limit("description 日本 ", PeerApplication.MAX_DESCRIPTION_LENGTH), data, PeerScope.ALL,
				limit("/path/ünïcode/🚀/", PeerApplication.MAX_PATH_LENGTH), List.of(longArgument, "", longArgument));
		assertThat(host).hasSize(253);

		StepVerifier.create(store.insert(contact).then(store.saveApplication(application))).verifyComplete();

		ContactStore again = reopened();
		StepVerifier.create(again.find(dave.name()))
				.assertNext(found -> {
					assertThat(found).isEqualTo(contact);
					assertThat(found.nickname()).hasSize(PeerContact.MAX_TEXT_LENGTH).isEqualTo(contact.nickname());
					assertSameEndPoints(found.endPoints(), contact.endPoints());
				})
				.verifyComplete();
		StepVerifier.create(again.applications())
				.assertNext(found -> {
					assertThat(found).isEqualTo(application);
					assertThat(found.arguments().get(0)).hasSize(65_536).isEqualTo(longArgument);
				})
				.verifyComplete();
	}

	@Test
	void concurrentUpdatesLeaveOneWholeVersionAndReadersNeverSeeAMixture() {
		PeerContact base = unsecured("raced");
		List<PeerContact> versions = IntStream.range(0, 16)
				.mapToObj(i -> base.withNickname("v" + i).withEndPoints(IntStream.range(0, 4)
						.mapToObj(k -> PeerEndPoint.of(InetSocketAddress.createUnresolved("v" + i + "-" + k, 1000 + k)))
						.toList()))
				.toList();
		StepVerifier.create(store.insert(base)).verifyComplete();

		Flux<PeerContact> writes = Flux.fromIterable(versions)
				.flatMap(v -> store.update(v).subscribeOn(Schedulers.boundedElastic()), 8)
				.thenMany(Flux.empty());
		Flux<PeerContact> reads = Flux.range(0, 32)
				.flatMap(i -> store.find(base.name()).subscribeOn(Schedulers.boundedElastic()), 4);

		StepVerifier.create(Flux.merge(writes, reads).collectList())
				.assertNext(seen -> assertThat(seen).hasSize(32)
						.allSatisfy(c -> assertThat(c).isIn(Stream.concat(Stream.of(base), versions.stream()).toList())))
				.verifyComplete();
		StepVerifier.create(reopened().find(base.name()))
				.assertNext(last -> assertThat(last).isIn(versions))
				.verifyComplete();
	}

	/**
	 * Texts that a list format would have to escape or could lose: its separators and escape characters alone, doubled,
	 * at either end and already escaped; line ends; unicode outside the BMP, combining and right-to-left marks, a
	 * byte order mark, NUL; quotes and SQL.
	 */
	protected static final List<String> TRICKY_TEXTS = List.of("", "%", "|", "\n", "\r", "\r\n", "%%", "||", "\n\n",
			"%25", "%7C", "%0A", "%0D", "%2", "%zz", "100%", "a|b|c", "|lead", "trail|", "\nlead", "trail\n",
			"line1\nline2\rline3", "日本語", "🚀 rocket", "e\u0301 ≠ \u00e9", "\u202Eright-to-left", "\uFEFFbom",
			"nul\u0000inside", "tab\tand\\backslash", "'single' \"double\"", "'); DROP TABLE applications; --",
			" spaced ");

	/** @return endpoints of every kind, ordered neither by name, address nor port */
	private static List<PeerEndPoint> manyEndPoints(String prefix, int count) throws UnknownHostException {
		List<PeerEndPoint> endPoints = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String name = prefix + "-" + ((i * 7) % count);
			int port = 65_535 - i * 997;
			InetSocketAddress address = switch (i % 4) {
				case 0 -> socket("203.0.113." + (255 - i), port);
				case 1 -> socket("2001:db8::" + Integer.toHexString(0xffff - i), port);
				case 2 -> InetSocketAddress.createUnresolved(prefix + i + ".example.org", port);
				default -> new InetSocketAddress(InetAddress.getByAddress("host-" + i + ".local",
						new byte[] { 10, 0, 0, (byte) (100 - i) }), port);
			};
			endPoints.add(new PeerEndPoint(name, address));
		}
		return endPoints;
	}

	/** @return {@code pattern} repeated and cut to exactly {@code length} characters, not splitting a surrogate pair */
	private static String limit(String pattern, int length) {
		StringBuilder out = new StringBuilder(length);
		while (out.length() < length) {
			int codePoint = pattern.codePointAt(out.length() % pattern.length());
			// A pair that would not fit whole gives way to one plain character.
			out.appendCodePoint(out.length() + Character.charCount(codePoint) > length ? 'x' : codePoint);
		}
		return out.toString();
	}

	/**
	 * Asserts that {@code found} are {@code expected}, in order, down to what {@link InetSocketAddress#equals} ignores:
	 * host names, whether an address is resolved, the kind of address and its text (scope included).
	 */
	protected static void assertSameEndPoints(List<PeerEndPoint> found, List<PeerEndPoint> expected) {
		assertThat(found).containsExactlyElementsOf(expected);
		assertThat(found).extracting(ContactStoreContract::describe)
				.containsExactlyElementsOf(expected.stream().map(ContactStoreContract::describe).toList());
	}

	/**
	 * @return everything about an endpoint: {@link InetAddress#toString()} shows whether a host name is known without
	 * looking one up, {@link InetAddress#getHostAddress()} the scope
	 */
	private static String describe(PeerEndPoint endPoint) {
		InetSocketAddress address = endPoint.tcpAddress();
		InetAddress ip = address.getAddress();
		return endPoint.name() + " | " + address.getHostString() + " | unresolved " + address.isUnresolved() + " | "
				+ (ip == null ? "no address" : ip.getClass().getSimpleName() + " " + ip + " " + ip.getHostAddress())
				+ " | " + address.getPort();
	}

	/** @return a socket address of an IP literal, which involves no name lookup */
	protected static InetSocketAddress socket(String literal, int port) throws UnknownHostException {
		return new InetSocketAddress(InetAddress.getByName(literal), port);
	}

	/** @return a small application with this id */
	protected static PeerApplication application(UUID id) {
		return new PeerApplication(id, "app " + id, new byte[] { 7 }, PeerScope.ALL, "/usr/bin/app", List.of("-v"));
	}

	private static byte[] encoded(PeerContact contact) {
		try {
			return contact.certificate().getEncoded();
		}
		catch (java.security.cert.CertificateEncodingException e) {
			throw new IllegalStateException(e);
		}
	}

	@Test
	void settingsAreReplacedByKeyAndSurviveReopeningKeptExactly() {
		String decomposed = "Cafe\u0301 \u0000 \n \u2028 laptop";
		StepVerifier.create(store().saveSetting("endpoint-name", "first")
						.then(store().saveSetting("endpoint-name", decomposed))
						.then(store().saveSetting("me.email", "a@example.org")))
				.verifyComplete();
		StepVerifier.create(reopened().settings())
				.expectNext(java.util.Map.of("endpoint-name", decomposed, "me.email", "a@example.org"))
				.verifyComplete();
	}

	@Test
	void aSettingOverItsLimitIsRefusedNamingTheFieldAndTheLimit() {
		StepVerifier.create(store().saveSetting("k".repeat(ContactStore.MAX_SETTING_KEY_LENGTH + 1), "v"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(io.peercollab.PayloadTooLargeException.class)
						.hasMessageContaining("key must be at most 64 characters"))
				.verify();
		StepVerifier.create(store().saveSetting("k", "v".repeat(ContactStore.MAX_SETTING_VALUE_LENGTH + 1)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(io.peercollab.PayloadTooLargeException.class)
						.hasMessageContaining("value must be at most 4096 characters"))
				.verify();
		StepVerifier.create(store().settings()).expectNext(java.util.Map.of()).verifyComplete();
	}
}
