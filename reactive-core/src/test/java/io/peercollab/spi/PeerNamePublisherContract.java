// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.peercollab.LimitExceededException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerIdentityException;
import io.peercollab.PeerUnreachableException;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static io.peercollab.spi.NameFixtures.addresses;
import static io.peercollab.spi.NameFixtures.addressesOf;
import static io.peercollab.spi.NameFixtures.contactOf;
import static io.peercollab.spi.NameFixtures.endPoint;
import static io.peercollab.spi.NameFixtures.twoEndPoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * What every {@link PeerNamePublisher} does, as its Javadoc states it, run against each implementation by a subclass
 * that says how to reach one ({@link #publisher()}) and, for a source that can be read back, a resolver of the same
 * source ({@link #resolver()}): what was published is checked by looking it up there. The subclass owns the lifecycle
 * (fresh instances per test, closed after it) and the {@code @Timeout}.
 */
public abstract class PeerNamePublisherContract {

	/** @return the publisher under test, the same one for the whole of a test */
	protected abstract PeerNamePublisher publisher();

	/**
	 * @return a resolver of the publisher's source, as a contact elsewhere would use it (another instance where the
	 * implementation has instances), or {@code null} if what was published cannot be looked up from a test
	 */
	protected abstract PeerNameResolver resolver();

	/** @return how long one publication or one lookup may take, as the implementation documents it */
	protected Duration bound() {
		return Duration.ofSeconds(5);
	}

	/** @return the key type of the identities the tests publish for, one the publisher can sign with */
	protected KeyType keyType() {
		return KeyType.ED25519;
	}

	/** @return a key type of {@link PeerIdentity} the publisher cannot publish for, or {@code null} if none */
	protected KeyType unsupportedKeyType() {
		return null;
	}

	/** @return endpoints too many or too large for one record, or {@code null} if the record has no limit */
	protected List<PeerEndPoint> tooManyEndPoints() {
		return null;
	}

	/**
	 * @return a publisher of this kind whose source cannot be reached (no node answers, offline), or {@code null} if
	 * the implementation has no such state; the subclass closes it after the test
	 */
	protected PeerNamePublisher unreachable() {
		return null;
	}

	private PeerIdentity identity(String classifier) {
		return PeerIdentity.generate(classifier, keyType());
	}

	private void publish(PeerIdentity identity, List<PeerEndPoint> endPoints) {
		StepVerifier.create(publisher().publish(identity, endPoints)).expectComplete().verify(bound());
	}

	private PeerNameResolver readBack() {
		PeerNameResolver resolver = resolver();
		assumeThat(resolver).as("what this publisher published cannot be looked up from a test").isNotNull();
		return resolver;
	}

	private List<EndpointRecord> lookUp(PeerIdentity identity) {
		List<EndpointRecord> records = readBack().resolve(contactOf(identity)).collectList().block(bound());
		assertThat(records).as("the lookup completed within %s", bound()).isNotNull();
		return records;
	}

	@Test
	void aPublishedRecordResolvesToItsAddressesForNoLongerThanItLives() {
		PeerIdentity alice = identity("alice");
		List<PeerEndPoint> endPoints = twoEndPoints(21);

		publish(alice, endPoints);

		List<EndpointRecord> records = lookUp(alice);
		assertThat(addressesOf(records)).as("the addresses, names need not survive").isEqualTo(addresses(endPoints));
		assertThat(records).allSatisfy(r -> assertThat(r.timeToLive()).isLessThanOrEqualTo(publisher().recordLifetime()));
	}

	@Test
	void aLaterPublicationReplacesTheEarlierOneEvenRightAfterIt() {
		PeerIdentity bob = identity("bob");
		List<PeerEndPoint> moved = twoEndPoints(23);

		publish(bob, twoEndPoints(22));
		publish(bob, moved);

		assertThat(addressesOf(lookUp(bob))).isEqualTo(addresses(moved));
	}

	@Test
	void publishingTheSameAddressesAgainKeepsThem() {
		PeerIdentity carol = identity("carol");
		List<PeerEndPoint> endPoints = twoEndPoints(24);

		publish(carol, endPoints);
		publish(carol, endPoints);

		assertThat(addressesOf(lookUp(carol))).isEqualTo(addresses(endPoints));
	}

	@Test
	void anEmptyListWithdrawsTheRecord() {
		PeerIdentity dave = identity("dave");
		publish(dave, twoEndPoints(25));

		publish(dave, List.of());

		assertThat(lookUp(dave)).isEmpty();
	}

	@Test
	void anEmptyListForAnIdentityThatNeverPublishedCompletes() {
		publish(identity("erin"), List.of());
	}

	@Test
	void nothingIsPublishedBeforeSubscription() {
		PeerIdentity frank = identity("frank");
		List<PeerEndPoint> endPoints = twoEndPoints(26);
		Mono<Void> publication = publisher().publish(frank, endPoints);

		assertThat(lookUp(frank)).as("not subscribed yet").isEmpty();

		StepVerifier.create(publication).expectComplete().verify(bound());
		assertThat(addressesOf(lookUp(frank))).isEqualTo(addresses(endPoints));
	}

	@Test
	void aCancelledPublicationLeavesThePublisherUsableAndIsReplacedByTheNext() {
		PeerIdentity grace = identity("grace");
		List<PeerEndPoint> current = twoEndPoints(28);
		Disposable cancelled = publisher().publish(grace, twoEndPoints(27)).subscribe();
		cancelled.dispose();

		publish(grace, current);

		assertThat(addressesOf(lookUp(grace))).isEqualTo(addresses(current));
	}

	@Test
	void anIdentityThePublisherCannotPublishForFailsWithPeerIdentityException() {
		assumeThat(unsupportedKeyType()).as("the publisher publishes for every key type").isNotNull();
		PeerIdentity henry = PeerIdentity.generate("henry", unsupportedKeyType());

		StepVerifier.create(publisher().publish(henry, twoEndPoints(29)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerIdentityException.class)
						.hasMessageContaining(henry.keyType().toString()))
				.verify(bound());
	}

	@Test
	void aRecordTooLargeFailsWithATypedErrorAndThePreviousRecordStands() {
		List<PeerEndPoint> tooMany = tooManyEndPoints();
		assumeThat(tooMany).as("the record has no limit").isNotNull();
		PeerIdentity ivy = identity("ivy");
		List<PeerEndPoint> current = twoEndPoints(30);
		publish(ivy, current);

		StepVerifier.create(publisher().publish(ivy, tooMany))
				.expectErrorSatisfies(e -> assertThat(e)
						.isInstanceOfAny(PayloadTooLargeException.class, LimitExceededException.class)
						.as("names the size or count and the limit").hasMessageMatching("(?s).*\\d+.*\\d+.*"))
				.verify(bound());

		if (resolver() != null) {
			assertThat(addressesOf(lookUp(ivy))).isEqualTo(addresses(current));
		}
	}

	@Test
	void anUnresolvedAddressIsAnErrorSignalAndThePreviousRecordStands() {
		PeerIdentity judy = identity("judy");
		List<PeerEndPoint> current = twoEndPoints(31);
		publish(judy, current);
		PeerEndPoint unresolved = new PeerEndPoint("home", InetSocketAddress.createUnresolved("home.example", 4000));

		Mono<Void> publication = publisher().publish(judy, List.of(endPoint("eth0", "203.0.113.32", 4001), unresolved));

		StepVerifier.create(publication)
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessageContaining("home.example"))
				.verify(bound());
		if (resolver() != null) {
			assertThat(addressesOf(lookUp(judy))).isEqualTo(addresses(current));
		}
	}

	@Test
	void nullArgumentsAreRefusedAtTheCall() {
		PeerIdentity kim = identity("kim");
		List<PeerEndPoint> withNull = new ArrayList<>(Arrays.asList(endPoint("eth0", "203.0.113.33", 4002), null));

		assertThatThrownBy(() -> publisher().publish(null, List.of())).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> publisher().publish(kim, null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> publisher().publish(kim, withNull)).isInstanceOf(NullPointerException.class);
	}

	@Test
	void theRecordLifetimeIsPositiveAndTheSameOnEveryCall() {
		Duration lifetime = publisher().recordLifetime();

		assertThat(lifetime).isPositive();
		assertThat(publisher().recordLifetime()).isEqualTo(lifetime);
	}

	@Test
	void aSourceThatCannotBeReachedFailsWithPeerUnreachableException() {
		PeerNamePublisher offline = unreachable();
		assumeThat(offline).as("the implementation has no unreachable state").isNotNull();

		StepVerifier.create(offline.publish(identity("leo"), twoEndPoints(34)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
						.hasMessageMatching("(?s).*\\S.*"))
				.verify(bound());
	}
}
