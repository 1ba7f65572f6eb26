// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.peercollab.PeerCollabException;
import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Signal;
import reactor.test.StepVerifier;

import static io.peercollab.spi.NameFixtures.addresses;
import static io.peercollab.spi.NameFixtures.addressesOf;
import static io.peercollab.spi.NameFixtures.contactOf;
import static io.peercollab.spi.NameFixtures.twoEndPoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * What every {@link PeerNameResolver} does, as its Javadoc states it, run against each implementation by a subclass
 * that says how to reach one ({@link #resolver()}) and how to make its source hold a record ({@link #store}). The
 * subclass owns the lifecycle (a fresh resolver per test, closed after it) and the {@code @Timeout}.
 */
public abstract class PeerNameResolverContract {

	/** @return the resolver under test, the same one for the whole of a test */
	protected abstract PeerNameResolver resolver();

	/**
	 * Makes the resolver's source hold {@code endPoints} for {@code identity}, replacing what it held, as the
	 * identity's own publisher would; returns once a lookup finds it. Blocking: this is the test's side.
	 *
	 * @param endPoints the endpoints; empty: the identity signed out
	 */
	protected abstract void store(PeerIdentity identity, List<PeerEndPoint> endPoints);

	/** @return the source every record of this resolver names */
	protected abstract EndpointSource source();

	/** @return how long a lookup may take to complete, found or not, as the implementation documents it */
	protected Duration bound() {
		return Duration.ofSeconds(5);
	}

	/** @return the key type of the identities the tests store, one the source can look up */
	protected KeyType keyType() {
		return KeyType.ED25519;
	}

	/** @return a key type of {@link PeerIdentity} the source cannot look up, or {@code null} if it looks up every one */
	protected KeyType unsupportedKeyType() {
		return null;
	}

	/**
	 * @return a resolver of this kind whose source cannot be reached (closed, offline, no seed answers), or
	 * {@code null} if the implementation has no such state; the subclass closes it after the test
	 */
	protected PeerNameResolver unreachable() {
		return null;
	}

	private PeerIdentity identity(String classifier) {
		return PeerIdentity.generate(classifier, keyType());
	}

	private List<EndpointRecord> resolveAll(PeerContact contact) {
		List<EndpointRecord> records = resolver().resolve(contact).collectList().block(bound());
		assertThat(records).as("the lookup completed within %s", bound()).isNotNull();
		return records;
	}

	/** Fails the stream if a record arrives beyond what was requested. */
	private static <T> Flux<T> withinDemand(Flux<T> records) {
		AtomicLong outstanding = new AtomicLong();
		return records
				.doOnNext(r -> {
					if (outstanding.getAndDecrement() <= 0) {
						throw new IllegalStateException("a record arrived that was not requested: " + r);
					}
				})
				.doOnRequest(n -> outstanding.getAndAccumulate(n, Operators::addCap));
	}

	@Test
	void aStoredContactResolvesToItsAddressesNamingTheDocumentedSourceThenCompletes() {
		PeerIdentity alice = identity("alice");
		List<PeerEndPoint> endPoints = twoEndPoints(1);
		store(alice, endPoints);

		List<EndpointRecord> records = resolveAll(contactOf(alice));

		assertThat(addressesOf(records)).as("every address, each at least once, nothing else")
				.isEqualTo(addresses(endPoints));
		assertThat(records).allSatisfy(r -> assertThat(r.source()).isEqualTo(source()));
	}

	@Test
	void anUnknownContactCompletesEmptyWithinTheBound() {
		StepVerifier.create(resolver().resolve(contactOf(identity("nobody")))).expectComplete().verify(bound());
	}

	@Test
	void aContactWhoseRecordHasNoEndpointsCompletesEmpty() {
		PeerIdentity bob = identity("bob");
		store(bob, twoEndPoints(2));
		store(bob, List.of());

		StepVerifier.create(resolver().resolve(contactOf(bob))).expectComplete().verify(bound());
	}

	@Test
	void aContactWhoseKeyTheSourceCannotLookUpCompletesEmpty() {
		assumeThat(unsupportedKeyType()).as("the source looks up every key type").isNotNull();

		StepVerifier.create(resolver().resolve(contactOf(PeerIdentity.generate("carol", unsupportedKeyType()))))
				.expectComplete()
				.verify(bound());
	}

	@Test
	void aContactWithAKeyNoIdentityHasCompletesEmptyAndNeverThrows() {
		PeerContact stranger = NameFixtures.foreignKeyContact();

		StepVerifier.create(resolver().resolve(stranger)).expectComplete().verify(bound());
	}

	@Test
	void aNullContactIsRefusedAtTheCall() {
		assertThatThrownBy(() -> resolver().resolve(null)).isInstanceOf(NullPointerException.class);
	}

	@Test
	void theNewestRecordWinsAndIsNeverMixedWithAnOlderOne() {
		PeerIdentity dave = identity("dave");
		store(dave, twoEndPoints(4));
		List<PeerEndPoint> moved = twoEndPoints(5);
		store(dave, moved);

		assertThat(addressesOf(resolveAll(contactOf(dave)))).isEqualTo(addresses(moved));
	}

	@Test
	void resolvingAgainFindsTheSameAddresses() {
		PeerIdentity erin = identity("erin");
		List<PeerEndPoint> endPoints = twoEndPoints(6);
		store(erin, endPoints);

		assertThat(addressesOf(resolveAll(contactOf(erin)))).isEqualTo(addresses(endPoints));
		assertThat(addressesOf(resolveAll(contactOf(erin)))).isEqualTo(addresses(endPoints));
	}

	@Test
	void aLookupObtainedBeforeTheRecordWasStoredFindsItWhenSubscribed() {
		PeerIdentity frank = identity("frank");
		Flux<EndpointRecord> lookup = resolver().resolve(contactOf(frank));
		List<PeerEndPoint> endPoints = twoEndPoints(7);
		store(frank, endPoints);

		StepVerifier.create(lookup.collectList())
				.assertNext(records -> assertThat(addressesOf(records)).isEqualTo(addresses(endPoints)))
				.expectComplete()
				.verify(bound());
	}

	@Test
	void recordsAreEmittedOnlyAsRequested() {
		PeerIdentity grace = identity("grace");
		List<PeerEndPoint> endPoints = twoEndPoints(8);
		store(grace, endPoints);

		StepVerifier.create(withinDemand(resolver().resolve(contactOf(grace))), 0)
				.expectSubscription()
				.thenRequest(1)
				.assertNext(r -> assertThat(addresses(endPoints)).contains(r.endPoint().address()))
				.thenRequest(1)
				.assertNext(r -> assertThat(addresses(endPoints)).contains(r.endPoint().address()))
				.thenRequest(Long.MAX_VALUE)
				.thenConsumeWhile(r -> addresses(endPoints).contains(r.endPoint().address()))
				.expectComplete()
				.verify(bound());
	}

	@Test
	void aLookupCancelledBeforeItsFirstRecordLeavesTheResolverUsable() {
		PeerIdentity henry = identity("henry");
		List<PeerEndPoint> endPoints = twoEndPoints(9);
		store(henry, endPoints);

		StepVerifier.create(resolver().resolve(contactOf(henry)), 0)
				.expectSubscription()
				.thenCancel()
				.verify(bound());

		assertThat(addressesOf(resolveAll(contactOf(henry)))).isEqualTo(addresses(endPoints));
	}

	@Test
	void aLookupCancelledAfterItsFirstRecordLeavesTheResolverUsable() {
		PeerIdentity ivy = identity("ivy");
		List<PeerEndPoint> endPoints = twoEndPoints(10);
		store(ivy, endPoints);

		StepVerifier.create(resolver().resolve(contactOf(ivy)), 1)
				.assertNext(r -> assertThat(addresses(endPoints)).contains(r.endPoint().address()))
				.thenCancel()
				.verify(bound());

		assertThat(addressesOf(resolveAll(contactOf(ivy)))).isEqualTo(addresses(endPoints));
	}

	@Test
	void concurrentLookupsOfDifferentContactsEachFindTheirOwnAddresses() {
		PeerIdentity judy = identity("judy");
		PeerIdentity kim = identity("kim");
		List<PeerEndPoint> judys = twoEndPoints(11);
		List<PeerEndPoint> kims = twoEndPoints(12);
		store(judy, judys);
		store(kim, kims);

		StepVerifier.create(Mono.zip(resolver().resolve(contactOf(judy)).collectList(),
						resolver().resolve(contactOf(kim)).collectList()))
				.assertNext(both -> {
					assertThat(addressesOf(both.getT1())).isEqualTo(addresses(judys));
					assertThat(addressesOf(both.getT2())).isEqualTo(addresses(kims));
				})
				.expectComplete()
				.verify(bound());
	}

	@Test
	void aSourceThatCannotBeReachedCompletesEmptyOrFailsWithATypedError() {
		PeerNameResolver offline = unreachable();
		assumeThat(offline).as("the implementation has no unreachable state").isNotNull();

		List<Signal<EndpointRecord>> signals = offline.resolve(contactOf(identity("leo"))).materialize().collectList()
				.block(bound());

		assertThat(signals).as("the lookup ended within %s", bound()).isNotNull().hasSize(1);
		Signal<EndpointRecord> end = signals.get(0);
		if (end.isOnError()) {
			assertThat(end.getThrowable()).isInstanceOf(PeerCollabException.class).hasMessageMatching("(?s).*\\S.*");
		}
		else {
			assertThat(end.isOnComplete()).as("no record, then completion: %s", end).isTrue();
		}
	}
}
