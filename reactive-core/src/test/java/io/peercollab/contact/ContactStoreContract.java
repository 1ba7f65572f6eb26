package io.peercollab.contact;

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

import io.peercollab.AlreadyExistsException;
import io.peercollab.NotFoundException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
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
					assertThat(found.endPoints()).containsExactlyElementsOf(endPoints);
					// InetSocketAddress.equals ignores host names and scopes: look at them one by one.
					assertThat(found.endPoints()).extracting(e -> e.address().getHostString())
							.containsExactlyElementsOf(endPoints.stream().map(e -> e.address().getHostString()).toList());
					assertThat(found.endPoints()).extracting(e -> e.address().isUnresolved())
							.containsExactly(false, false, false, false, false, true, true, false);
					assertThat(found.endPoints()).extracting(e -> e.address().getAddress() == null ? null
									: e.address().getAddress().getClass().getSimpleName())
							.containsExactly("Inet4Address", "Inet6Address", "Inet6Address", "Inet6Address",
									"Inet4Address", null, null, "Inet4Address");
					assertThat(((Inet6Address) found.endPoints().get(3).address().getAddress()).getScopeId())
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
}
