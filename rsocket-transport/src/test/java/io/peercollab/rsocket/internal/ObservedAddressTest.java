// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;

import io.peercollab.InvalidRequestException;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import org.junit.jupiter.api.Test;

/** The {@code observed} field of a server's {@code hello}: bounded, validated, the latest kept. */
class ObservedAddressTest {

	private static final PeerName BOB = PeerIdentity.generate("bob", KeyType.ED25519).name();

	@Test
	void aValidAddressIsReadAndAnAbsentOneIsNothing() {
		assertThat(ObservedAddress.parse("203.0.113.7:41000", BOB)).contains(new InetSocketAddress("203.0.113.7",
				41000));
		assertThat(ObservedAddress.parse("[2001:db8::7]:41000", BOB)).isPresent();
		assertThat(ObservedAddress.parse(null, BOB)).isEmpty();
	}

	@Test
	void aTooLongFieldIsRefusedNamingTheFieldAndTheLimit() {
		assertThatThrownBy(() -> ObservedAddress.parse("1".repeat(65), BOB))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("field 'observed'")
				.hasMessageContaining("65 characters, the limit is 64");
	}

	@Test
	void aNameAWildcardOrAPortOutOfRangeIsRefusedNamingTheField() {
		for (String bad : new String[] {"bob.example:7000", "0.0.0.0:7000", "224.0.0.1:7000", "203.0.113.7:0",
				"203.0.113.7:70000", "203.0.113.7", ""}) {
			assertThatThrownBy(() -> ObservedAddress.parse(bad, BOB)).as(bad)
					.isInstanceOf(InvalidRequestException.class)
					.hasMessageContaining("field 'observed'")
					.hasMessageContaining(BOB.toString());
		}
	}

	@Test
	void onlyTheLatestReportIsKeptAndAChangeIsOneOfItsIpAddress() {
		ObservedAddress observed = new ObservedAddress();
		assertThat(observed.report(BOB, new InetSocketAddress("203.0.113.7", 41000))).isTrue();
		assertThat(observed.report(BOB, new InetSocketAddress("203.0.113.7", 41001))).as("another port").isFalse();
		assertThat(observed.report(BOB, new InetSocketAddress("203.0.113.8", 41001))).isTrue();
		assertThat(observed.latest()).map(ObservedAddress.Report::address)
				.contains(new InetSocketAddress("203.0.113.8", 41001));
	}
}
