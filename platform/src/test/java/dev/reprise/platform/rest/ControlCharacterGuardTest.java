package dev.reprise.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ControlCharacterGuardTest {

    @Test
    void escapedControlCharactersAreFoundAfterDecoding() {
        assertThat(ControlCharacterGuard.hasControlCharacter("/rooms/1/participants/a%00b")).isTrue();
        assertThat(ControlCharacterGuard.hasControlCharacter("/rooms/1/participants/a%0ab")).isTrue();
        assertThat(ControlCharacterGuard.hasControlCharacter("/rooms/1/participants/a%C2%85b")).isTrue(); // NEL
        assertThat(ControlCharacterGuard.hasControlCharacter("page=1&q=%1B")).isTrue();
    }

    @Test
    void ordinaryAndMalformedEscapesPass() {
        assertThat(ControlCharacterGuard.hasControlCharacter("/rooms/1/participants/j%C3%BCrgen")).isFalse();
        assertThat(ControlCharacterGuard.hasControlCharacter("/rooms/1/participants/a+b%20c")).isFalse();
        assertThat(ControlCharacterGuard.hasControlCharacter("/rooms/1/participants/100%")).isFalse();
        assertThat(ControlCharacterGuard.hasControlCharacter(null)).isFalse();
    }
}
