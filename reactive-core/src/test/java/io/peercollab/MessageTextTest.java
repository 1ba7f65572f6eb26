// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every message quotes a value the same way: short, on one line, nothing that rewrites a terminal.
 */
class MessageTextTest {

	private static final int MAX = MessageText.MAX_QUOTED_LENGTH;

	@Test
	void aShortPrintableTextIsQuotedAsItIs() {
		assertThat(MessageText.quote("Alice & <Co> ü 日本 😀")).isEqualTo("Alice & <Co> ü 日本 😀");
		assertThat(MessageText.quote("")).isEmpty();
		assertThat(MessageText.quote(null)).isEqualTo("null");
	}

	@Test
	void controlAndFormattingCharactersAndLoneSurrogatesBecomeQuestionMarks() {
		assertThat(MessageText.quote("a\nb\r\u0000c\u001b[2Jd\u007f")).isEqualTo("a?b??c?[2Jd?");
		assertThat(MessageText.quote("evil\u202Etxt.exe")).as("a bidirectional override").isEqualTo("evil?txt.exe");
		assertThat(MessageText.quote("zero\u200Bwidth")).isEqualTo("zero?width");
		assertThat(MessageText.quote("half\ud800 and \udc00")).isEqualTo("half? and ?");
		assertThat(MessageText.quote("tag\uDB40\uDC01")).as("a supplementary formatting character").isEqualTo("tag?");
	}

	@Test
	void aLongTextIsCutToTheLimitAndMarked() {
		assertThat(MessageText.quote("x".repeat(MAX))).isEqualTo("x".repeat(MAX));
		assertThat(MessageText.quote("x".repeat(MAX + 1))).isEqualTo("x".repeat(MAX) + "...");
		assertThat(MessageText.quote("y".repeat(1_000_000))).hasSize(MAX + 3);
	}

	@Test
	void theCutNeverSplitsASurrogatePair() {
		String text = "x".repeat(MAX - 1) + "😀" + "tail";

		assertThat(MessageText.quote(text)).isEqualTo("x".repeat(MAX - 1) + "...");
		assertThat(MessageText.quote("x".repeat(MAX - 2) + "😀" + "tail")).isEqualTo("x".repeat(MAX - 2) + "😀...");
	}
}
