package main

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
)

// indicator drives a GPIO output (an LED) high while the chosen class is the
// top class with at least the chosen probability, and low otherwise. It
// writes the pin only when the state changes.
type indicator struct {
	pin   gpio.PinOut
	class int
	min   float32
	on    bool
}

// newIndicator finds pin by name in periph's GPIO registry (the board's pins
// after host.Init, or a gpiotest.Pin a test registered), resolves the class
// name against the bundle's classes and starts with the LED off.
func newIndicator(pin, class string, min float64, classes []string) (*indicator, error) {
	p := gpioreg.ByName(pin)
	if p == nil {
		return nil, fmt.Errorf("led: no GPIO pin %q on this board (periph names such as GPIO17)", pin)
	}
	y := -1
	for i, c := range classes {
		if c == class {
			y = i
		}
	}
	if y < 0 {
		return nil, fmt.Errorf("led: class %q is not one of the bundle's classes %v", class, classes)
	}
	ind := &indicator{pin: p, class: y, min: float32(min)}
	if err := p.Out(gpio.Low); err != nil {
		return nil, fmt.Errorf("led: %s: %w", pin, err)
	}
	return ind, nil
}

// show sets the LED for one frame's top class and its probability.
func (ind *indicator) show(class int, prob float32) error {
	on := class == ind.class && prob >= ind.min
	if on == ind.on {
		return nil
	}
	ind.on = on
	if err := ind.pin.Out(gpio.Level(on)); err != nil {
		return fmt.Errorf("led: %w", err)
	}
	return nil
}

// off turns the LED off, on the way out.
func (ind *indicator) off() error {
	ind.on = false
	return ind.pin.Out(gpio.Low)
}
