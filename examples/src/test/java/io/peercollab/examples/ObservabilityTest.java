// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Test;

/** The README's Micrometer snippet, run: the endpoint's meters are in the registry, tagged as the snippet says. */
class ObservabilityTest {

	@Test
	void theSnippetsEndpointHasItsMetersInTheRegistry() {
		Observability.Observed o = Observability.observed(PeerIdentity.generate("alice"));
		try {
			assertThat(o.registry().getMeters()).isNotEmpty();
			assertThat(o.registry().getMeters()).map(Meter::getId)
					.allSatisfy(id -> assertThat(id.getName()).startsWith("peercollab."))
					.allSatisfy(id -> assertThat(id.getTag("endpoint")).isEqualTo("alice"));
		}
		finally {
			o.collab().close().block();
		}
	}
}
