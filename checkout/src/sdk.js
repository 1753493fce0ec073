// checkout.js: the merchant SDK. Nothing global but window.PaymentGateway (sdk/gateway.js says
// how to use it); /v1/checkout.js is the same checkout with Razorpay's API (razorpay-sdk.js).
import { PaymentGateway } from './sdk/gateway.js';

window.PaymentGateway = PaymentGateway;
