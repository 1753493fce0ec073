// /v1/checkout.js: the checkout with Razorpay's checkout.js API, and nothing global but
// window.Razorpay. Razorpay's script is https://checkout.razorpay.com/v1/checkout.js: a page moves
// here by changing only the script's origin (docs/razorpay.md, "Checkout").
import { Razorpay } from './sdk/razorpay.js';

window.Razorpay = Razorpay;
