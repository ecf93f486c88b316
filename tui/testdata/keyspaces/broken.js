function validate(write, ctx) {
  return (;
}
