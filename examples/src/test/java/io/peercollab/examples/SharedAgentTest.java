// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peercollab.NotFoundException;
import org.junit.jupiter.api.Test;

/** Without the agent artifact on the class path, attaching fails with a typed error that names the artifact. */
class SharedAgentTest {

	@Test
	void withoutTheAgentArtifactAttachingNamesWhatIsMissing() {
		assertThatThrownBy(SharedAgent::attachAndSignIn)
				.isInstanceOf(NotFoundException.class)
				.hasMessageContaining("peercollab-agent");
	}
}
